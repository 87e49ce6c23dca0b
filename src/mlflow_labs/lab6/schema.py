"""Several processes initialising a NEW, empty MLflow store at once: alembic's migrations race.

Every `mlflow server` worker (and every client opening a store directly) creates the schema when it
finds the database empty. Started together on a new database, several processes run the same
migrations at the same moment and some fail. The fix is to create the schema once, first:
`mlflow db upgrade <uri>`; after that nobody migrates and all start.

One parent process imports MLflow once (slow: 5-20 s on a loaded machine); for each round it forks the
racers, separate processes that each build their own engine and connection, as separate server workers
do; they wait at a barrier until all exist, then open the store within milliseconds of each other (the
spread is in the figures). Importing MLflow once instead of once per racer and round took the phase from
about two minutes to seconds; the race itself is the same.
"""

from __future__ import annotations

import json
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from mlflow_labs.errors import LabError, StartupError, tail_file
from mlflow_labs.harness.net import wait_until
from mlflow_labs.harness.process import BackgroundProcess
from mlflow_labs.harness.tools import ToolResult, find_tool, run_tool

# The racers' parent: imports MLflow's store ONCE (the slow part: 5-20 s on a loaded machine), then for each
# round it reads from stdin ("URI ARTIFACT_ROOT PROCESSES PATIENCE") forks that many processes, which each build
# their own engine and connection (separate processes, as separate `mlflow server` workers are), wait at a
# barrier until every one exists, then all open the store within milliseconds of each other. One JSON line per
# round on stdout: each process's verdict and the moment it went.
_RACERS = """
import json, os, sys, tempfile, time
from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore   # the slow part, once for every round
print(json.dumps({"ready": time.time()}), flush=True)
for line in sys.stdin:
    uri, artifacts, count, patience = line.split()
    count, patience = int(count), float(patience)
    with tempfile.TemporaryDirectory(prefix="lab6-race-") as d:
        go, children = os.path.join(d, "go"), {}
        for i in range(count):
            pid = os.fork()
            if pid == 0:  # a racer: wait for the others, then open the new store
                out = os.path.join(d, f"result-{i}")
                deadline = time.monotonic() + patience
                while not os.path.exists(go):
                    if time.monotonic() > deadline:
                        open(out, "w").write(json.dumps({"verdict": "FAIL barrier: never told to go"}))
                        os._exit(0)
                    time.sleep(0.001)
                went = time.time()
                try:
                    SqlAlchemyStore(uri, artifacts)
                    verdict = "OK"
                except Exception as exc:
                    msg = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
                    verdict = f"FAIL {type(exc).__name__}: {msg[:160]}"
                open(out, "w").write(json.dumps({"verdict": verdict, "go": went}))
                os._exit(0)
            children[pid] = os.path.join(d, f"result-{i}")
        open(go, "w").close()   # every racer exists: go
        deadline = time.monotonic() + patience
        results = []
        for pid, out in children.items():
            while os.waitpid(pid, os.WNOHANG) == (0, 0):
                if time.monotonic() > deadline:
                    os.kill(pid, 9)
                    os.waitpid(pid, 0)
                    break
                time.sleep(0.01)
            try:
                results.append(json.loads(open(out).read()))
            except (OSError, ValueError):
                results.append({"verdict": "FAIL timeout: did not finish"})
        print(json.dumps({"results": results}), flush=True)
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
    ready_s: float | None = None     # from the racers' launch until MLflow was imported (once, for every round)
    go_spread_ms: float | None = None  # between the first and the last process going for the store

    def line(self) -> str:
        first = "after `mlflow db upgrade`" if self.upgraded_first else "on a new empty store"
        kinds = sorted({f.split(":")[0] for f in self.failures})
        went = f" (all went within {self.go_spread_ms:.0f} ms)" if self.go_spread_ms is not None else ""
        return (f"{self.processes} processes {first}{went}: {self.ok} OK, {len(self.failures)} failed"
                + (f" ({'; '.join(kinds)}; e.g. {self.failures[0][:140]})" if self.failures else ""))


class Racers:
    """The racers' parent process (see _RACERS), a BackgroundProcess (its own group, stopped with everything it
    forked): started once, MLflow imported once; each `race` forks a round. Its answers are JSON lines in its log."""

    def __init__(self, workdir: Path, timeout: float = 300.0):
        self.timeout = timeout
        self.log = Path(workdir) / "schema-racers.log"
        self.proc: BackgroundProcess | None = None
        self.ready_s: float | None = None
        self._seen = 0

    def __enter__(self) -> "Racers":
        launched = time.time()
        self.proc = BackgroundProcess([sys.executable, "-c", _RACERS], log_path=self.log, stdin_pipe=True,
                                      env={**os.environ, "DO_NOT_TRACK": "true"})
        self.proc.start()
        first = self._answer("ready")
        self.ready_s = round(first["ready"] - launched, 1)
        return self

    def _answer(self, key: str) -> dict:
        """The next JSON line of the log that carries ``key``; a LabError with the log's tail when none comes."""
        def next_answer():
            lines = self.log.read_text(errors="replace").splitlines() if self.log.exists() else []
            for i, line in enumerate(lines[self._seen:], self._seen):
                if line.startswith("{") and key in line:
                    self._seen = i + 1
                    return json.loads(line), "answered"
            if not self.proc.alive():  # no answer will come: end the wait now
                raise StartupError(f"the schema racers exited (code {self.proc.returncode}) before their '{key}'")
            return None, "still working"
        try:
            return wait_until(next_answer, timeout=self.timeout, what=f"the schema racers' '{key}'", interval=0.05)
        except LabError as exc:
            raise LabError(f"{exc}\nLast lines of {self.log}:\n{tail_file(self.log, 10)}") from None

    def race(self, uri: str, artifact_root: str, processes: int) -> RaceResult:
        """``processes`` processes open the store at ``uri`` together (forked now, each its own connection)."""
        self.proc.write(f"{uri} {artifact_root} {processes} {self.timeout / 2}\n")
        result = RaceResult(processes, upgraded_first=False, ready_s=self.ready_s)
        answers = self._answer("results")["results"]
        gone = [a["go"] for a in answers if "go" in a]
        for a in answers:
            if a["verdict"] == "OK":
                result.ok += 1
            else:
                result.failures.append(a["verdict"][5:])
        if len(gone) == processes:
            result.go_spread_ms = round((max(gone) - min(gone)) * 1000, 1)
        return result

    def __exit__(self, *exc) -> None:
        if self.proc:
            self.proc.close_stdin()
            if not self.proc.wait(30):
                self.proc.stop()


def db_upgrade(uri: str, timeout: float = 240.0) -> ToolResult:
    """The fix: `mlflow db upgrade <uri>` once, before anything else opens the store."""
    mlflow = find_tool("mlflow") or "mlflow"
    return run_tool([mlflow, "db", "upgrade", uri], timeout=timeout, check=False)
