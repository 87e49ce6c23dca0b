"""Where a secret must never appear: process command lines, logs, reports, terminal output: what
every lab that generates secrets into a KEY=value file uses to prove none of them leaks."""

from __future__ import annotations

from pathlib import Path

from mlflow_labs.harness.process import processes


def read_env_file(path: Path) -> dict[str, str]:
    """KEY=value lines (a README's generated secrets file)."""
    out = {}
    for line in Path(path).read_text().splitlines():
        key, sep, value = line.partition("=")
        if sep and key.strip() and not key.startswith("#"):
            out[key.strip()] = value.strip()
    return out


def command_lines() -> dict[str, str]:
    """Every process's command line on this machine, as `ps` shows it to any user."""
    return {str(p.pid): p.cmdline for p in processes()}


def found_in(secrets: dict[str, str], texts: dict[str, str]) -> list[str]:
    """'VARIABLE in WHERE' for each secret value found in a text (the value itself is never returned)."""
    hits = []
    for var, value in secrets.items():
        if len(value) < 8:  # too short to be one of the lab's secrets; would match by chance
            continue
        hits += [f"{var} in {where}" for where, text in texts.items() if value in text]
    return hits


def files(paths) -> dict[str, str]:
    out = {}
    for p in paths:
        p = Path(p)
        if p.is_file():
            out[str(p)] = p.read_text(errors="replace")
    return out
