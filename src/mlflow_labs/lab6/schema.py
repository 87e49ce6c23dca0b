"""Several processes initialising a NEW, empty MLflow store at once: alembic's migrations race.

Every `mlflow server` worker (and every client opening a store directly) creates the schema when it
finds the database empty. Started together on a new database, several processes run the same
migrations at the same moment and some fail. The fix is to create the schema once, first:
`mlflow db upgrade <uri>`; after that nobody migrates and all start.

Each process imports MLflow first (slow and uneven), then waits for a common start time, so the
store initialisations really overlap.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field

from mlflow_labs.harness.tools import ToolError, ToolResult, find_tool, run_at_once, run_tool

_OPEN_STORE = """
import sys, time
from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore
start = float(sys.argv[2])
while time.time() < start:
    time.sleep(0.01)
try:
    SqlAlchemyStore(sys.argv[1], sys.argv[3])
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

    def line(self) -> str:
        first = "after `mlflow db upgrade`" if self.upgraded_first else "on a new empty store"
        kinds = sorted({f.split(":")[0] for f in self.failures})
        return (f"{self.processes} processes {first}: {self.ok} OK, {len(self.failures)} failed"
                + (f" ({'; '.join(kinds)}; e.g. {self.failures[0][:140]})" if self.failures else ""))


def open_concurrently(uri: str, artifact_root: str, processes: int = 4, *, settle: float = 20.0,
                      timeout: float = 600.0) -> RaceResult:
    """``processes`` Python processes open the store at ``uri`` at the same instant."""
    start = time.time() + settle  # time enough for every process to import mlflow first
    command = [sys.executable, "-c", _OPEN_STORE, uri, str(start), artifact_root]
    result = RaceResult(processes, upgraded_first=False)
    for r in run_at_once([command] * processes, timeout=timeout):
        if isinstance(r, ToolError):  # still running at the timeout: killed
            verdict = "FAIL timeout: did not finish"
        else:
            out = r.stdout + r.stderr
            last = [ln for ln in out.splitlines() if ln.startswith(("OK", "FAIL"))]
            verdict = last[-1] if last else f"FAIL exit {r.returncode}: {out.strip()[-160:]}"
        if verdict == "OK":
            result.ok += 1
        else:
            result.failures.append(verdict[5:])
    return result


def db_upgrade(uri: str, timeout: float = 240.0) -> ToolResult:
    """The fix: `mlflow db upgrade <uri>` once, before anything else opens the store."""
    mlflow = find_tool("mlflow") or "mlflow"
    return run_tool([mlflow, "db", "upgrade", uri], timeout=timeout, check=False)
