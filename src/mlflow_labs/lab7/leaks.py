"""Where a secret must never appear: process command lines, logs, reports, terminal output."""

from __future__ import annotations

from pathlib import Path


def command_lines() -> dict[str, str]:
    """Every process's command line on this machine, as `ps` shows it to any user."""
    out = {}
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                out[f"pid {d.name}"] = (d / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
    return out


def found_in(secrets: dict[str, str], texts: dict[str, str]) -> list[str]:
    """'VARIABLE in WHERE' for each secret value found in a text (never the value itself)."""
    return [f"{var} in {where}" for var, value in secrets.items() if len(value) >= 8
            for where, text in texts.items() if value in text]


def files(paths) -> dict[str, str]:
    return {str(p): Path(p).read_text(errors="replace") for p in map(Path, paths) if p.is_file()}
