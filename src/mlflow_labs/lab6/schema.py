"""Several processes initialising a NEW, empty MLflow store at once: alembic's migrations race.

Every `mlflow server` worker (and every client opening a store directly) creates the schema when it
finds the database empty. Started together on a new database, several processes run the same
migrations at the same moment and some fail. The fix is to create the schema once, first:
`mlflow db upgrade <uri>`; after that nobody migrates and all start.

Each process imports MLflow first (slow and uneven: 5-20 s on a loaded machine), then says READY and waits
at a barrier (a file per process in a shared folder) until every one is ready; then all open the store at
once, within milliseconds of each other (each prints when it went: the spread is in the figures). The race
no longer waits a fixed settle time sized for the slowest import.
"""

from __future__ import annotations

import sys
import tempfile
import time
from dataclasses import dataclass, field

from mlflow_labs.harness.tools import ToolError, ToolResult, find_tool, run_at_once, run_tool

_OPEN_STORE = """
import pathlib, sys, time
from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore   # the slow part, before the barrier
uri, barrier, artifacts, me, count, patience = sys.argv[1], pathlib.Path(sys.argv[2]), sys.argv[3], sys.argv[4], \\
    int(sys.argv[5]), float(sys.argv[6])
(barrier / f"ready-{me}").touch()
print(f"READY {time.time():.4f}", flush=True)
deadline = time.monotonic() + patience
while len(list(barrier.glob("ready-*"))) < count:
    if time.monotonic() > deadline:
        print(f"FAIL barrier: only {len(list(barrier.glob('ready-*')))} of {count} processes ready after {patience:.0f} s")
        sys.exit(0)
    time.sleep(0.002)
print(f"GO {time.time():.4f}", flush=True)
try:
    SqlAlchemyStore(uri, artifacts)
    print("OK")
except Exception as exc:
    msg = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    print(f"FAIL {type(exc).__name__}: {msg[:160]}")
"""


# What concurrent migrations of one new store fail with (SQLite, PostgreSQL, alembic's own bookkeeping).
# A failure with none of these is something else (an import error, a timeout, a wrong URI), not the race.
MIGRATION_RACE_SIGNS = ("already exists", "duplicate", "database is locked", "expected to match one row",
                        "no such table", "does not exist", "deadlock detected", "UniqueViolation")


def is_migration_race(failure: str) -> bool:
    return any(sign.lower() in failure.lower() for sign in MIGRATION_RACE_SIGNS)


@dataclass
class RaceResult:
    processes: int
    upgraded_first: bool             # `mlflow db upgrade` ran first AND exited 0
    ok: int = 0
    failures: list = field(default_factory=list)  # each failing process's one-line error
    upgrade_exit: int | None = None  # `mlflow db upgrade`'s exit status; None: not run (the race)
    ready_s: float | None = None     # from the launch until the last process had imported MLflow
    go_spread_ms: float | None = None  # between the first and the last process going for the store

    def line(self) -> str:
        first = "after `mlflow db upgrade`" if self.upgraded_first else "on a new empty store"
        kinds = sorted({f.split(":")[0] for f in self.failures})
        went = f" (all went within {self.go_spread_ms:.0f} ms)" if self.go_spread_ms is not None else ""
        return (f"{self.processes} processes {first}{went}: {self.ok} OK, {len(self.failures)} failed"
                + (f" ({'; '.join(kinds)}; e.g. {self.failures[0][:140]})" if self.failures else ""))


def _stamps(out: str, word: str) -> list[float]:
    return [float(ln.split()[1]) for ln in out.splitlines() if ln.startswith(f"{word} ") and len(ln.split()) == 2]


def open_concurrently(uri: str, artifact_root: str, processes: int = 4, *, timeout: float = 600.0) -> RaceResult:
    """``processes`` Python processes open the store at ``uri`` together, once every one has imported MLflow."""
    result = RaceResult(processes, upgraded_first=False)
    gone, ready = [], []
    with tempfile.TemporaryDirectory(prefix="lab6-race-") as barrier:
        launched = time.time()
        commands = [[sys.executable, "-c", _OPEN_STORE, uri, barrier, artifact_root, str(i), str(processes),
                     str(timeout / 2)] for i in range(processes)]
        for r in run_at_once(commands, timeout=timeout):
            if isinstance(r, ToolError):  # still running at the timeout: killed
                verdict, out = "FAIL timeout: did not finish", r.stdout or ""
            else:
                out = r.stdout + r.stderr
                last = [ln for ln in out.splitlines() if ln.startswith(("OK", "FAIL"))]
                verdict = last[-1] if last else f"FAIL exit {r.returncode}: {out.strip()[-160:]}"
            gone += _stamps(out, "GO")
            ready += _stamps(out, "READY")
            if verdict == "OK":
                result.ok += 1
            else:
                result.failures.append(verdict[5:])
    if ready:
        result.ready_s = round(max(ready) - launched, 1)
    if len(gone) == processes:
        result.go_spread_ms = round((max(gone) - min(gone)) * 1000, 1)
    return result


def db_upgrade(uri: str, timeout: float = 240.0) -> ToolResult:
    """The fix: `mlflow db upgrade <uri>` once, before anything else opens the store."""
    mlflow = find_tool("mlflow") or "mlflow"
    return run_tool([mlflow, "db", "upgrade", uri], timeout=timeout, check=False)
