"""What the class tests share: a learner's work built with the lab's own near-miss builders
(tests/nearmiss/<lab>_states.py) in the learner's experiment on a shared server, the real CLI run as an
instructor runs it, the stores compared before and after, and what grading left running.

The near-miss builders log into the lab's experiment; on a class server each learner has their own, so
``Learner`` hands a builder a World whose experiments (by whatever name the builder asks for) are that
learner's: "ann" building "wine-prediction-mlops" makes "ann-wine-prediction-mlops".
"""

from __future__ import annotations

import csv
import hashlib
import html
import os
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path

from .conftest import write_roster


class _Client:
    """MLflow's client, with experiment names made the learner's."""

    def __init__(self, client, rename):
        self._client, self._rename = client, rename

    def get_experiment_by_name(self, name):
        return self._client.get_experiment_by_name(self._rename(name))

    def create_experiment(self, name, *a, **kw):
        return self._client.create_experiment(self._rename(name), *a, **kw)

    def __getattr__(self, attr):
        return getattr(self._client, attr)


class Learner:
    """A near-miss World seen by one learner of a shared class server (their own experiments)."""

    def __init__(self, world, learner: str):
        self._world, self.learner = world, learner
        self.client = _Client(world.client, self.experiment_name)

    def experiment_name(self, name: str) -> str:
        return f"{self.learner}-{name}"

    def experiment(self, name: str) -> str:
        return self._world.experiment(self.experiment_name(name))

    def experiment_id(self, name: str) -> str:
        return self._world.experiment_id(self.experiment_name(name))

    def __getattr__(self, attr):
        return getattr(self._world, attr)


def build(world, learner: str, builder, experiment: str) -> dict:
    """Make ``learner``'s state with ``builder`` on the class server; the roster row's experiment is theirs.
    Returns the builder's options (the test reads only what it needs: a `uri` override, `env`)."""
    options = builder(Learner(world, learner))
    options["experiment"] = f"{learner}-{experiment}"
    return options


def roster_credentials(learner: str, variables: dict, names: dict[str, tuple[str, str]]) -> tuple[dict, dict]:
    """(roster columns, the grader's environment) for a learner's check variables: each secret in a variable
    named for the learner, the roster naming it; usernames as they are."""
    columns, env = {}, {}
    for role, (user_var, secret_var, secret_col) in names.items():
        if variables.get(secret_var):
            env[f"{learner.upper()}_{role.upper()}_SECRET"] = variables[secret_var]
            columns[secret_col] = f"{learner.upper()}_{role.upper()}_SECRET"
        if user_var and variables.get(user_var):
            columns[f"{role}_username"] = variables[user_var]
    return columns, env


LAB6_ROLES = {"reader": ("LAB6_READER_USERNAME", "LAB6_READER_PASSWORD", "reader_password_var"),
              "writer": ("LAB6_WRITER_USERNAME", "LAB6_WRITER_PASSWORD", "writer_password_var")}


LAB7_ROLES = {"writer": ("LAB7_WRITER_USERNAME", "LAB7_WRITER_TOKEN", "writer_token_var"),
              "reader": ("LAB7_READER_USERNAME", "LAB7_READER_TOKEN", "reader_token_var"),
              "session": ("", "LAB7_SESSION", "session_var")}


SILENT = "did not answer /health within"  # a silent server's row


# -- the store, before and after --------------------------------------------------------------------
def _digest_sqlite(path: Path, ignore: str = "") -> dict[str, str]:
    """A SQLite store by its content, table by table (so a change names its table), read-only: the file's
    bytes may move (WAL) while its rows do not. Rows holding ``ignore`` are left out."""
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = [t for (t,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        out = {}
        for t in tables:
            rows = sorted(x for x in map(repr, con.execute(f'SELECT * FROM "{t}"')) if not ignore or ignore not in x)
            out[f"{path} table {t}"] = hashlib.sha256("\n".join(rows).encode()).hexdigest()
        return out
    finally:
        con.close()


def snapshot(*paths: Path, ignore: str = "") -> dict[str, str]:
    """name -> digest, for SQLite stores (each table by its rows; rows holding ``ignore`` left out) and folders
    (every file's path and bytes: artifacts, a git repository)."""
    out = {}
    for p in map(Path, paths):
        if p.is_file():
            out.update(_digest_sqlite(p, ignore))
        elif p.is_dir():
            for f in sorted(x for x in p.rglob("*") if x.is_file()):
                out[str(f)] = hashlib.sha256(f.read_bytes()).hexdigest()
        else:
            out[str(p)] = "absent"
    return out


def store_of(server) -> list[Path]:
    """A harness MlflowServer's stores: its SQLite file and its artifacts folder."""
    return [Path(server.backend_store_uri.removeprefix("sqlite:///")),
            Path(server.artifacts_destination.removeprefix("file://"))]


def changed(before: dict[str, str], after: dict[str, str]) -> list[str]:
    return sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))


# -- the instructor's command --------------------------------------------------------------------------
class Graded:
    def __init__(self, proc: subprocess.CompletedProcess, out: Path, tag: str):
        self.proc, self.out, self.tag = proc, out, tag
        with (out / "grades.csv").open() as f:
            self.rows = {r["learner"]: r for r in csv.DictReader(f)}
        self.left = left_running(tag)  # looked at the moment grade exited

    def why(self) -> str:
        return f"exit {self.proc.returncode}\n{self.proc.stdout[-4000:]}\n{self.proc.stderr[-3000:]}"


# A small class's servers answer the probe in well under a second; its silent learner's row waits this out
# (`--probe-bound`; the default 10 s is for a class's real network)
CLASS_PROBE_BOUND = 4


def grade(lab: str, rows: list[dict], work: Path, *, env: dict | None = None, bound: float = 60,
          probe_bound: float | None = None, extra: list[str] | None = None) -> Graded:
    """`mlflow-labs grade LAB --roster ...` as a separate process; a tag in its environment finds whatever it
    (and anything it started) left running."""
    tag = uuid.uuid4().hex
    roster = write_roster(work / "roster.csv", rows)
    out = work / "out"
    cmd = [sys.executable, "-m", "mlflow_labs.cli", "grade", lab, "--roster", roster, "--out", str(out),
           "--time-bound", str(bound), *(["--probe-bound", str(probe_bound)] if probe_bound else []), *(extra or [])]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=1800,
                          env={**os.environ, **(env or {}), "GRADE_TEST_TAG": tag})
    assert (out / "grades.csv").exists(), proc.stdout + proc.stderr
    return Graded(proc, out, tag)


def left_running(tag: str) -> list[str]:
    """Processes whose environment carries ``tag``: what the command (or a worker, a browser) left behind."""
    mark = f"GRADE_TEST_TAG={tag}".encode()
    found = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            env = Path(f"/proc/{d}/environ").read_bytes().split(b"\0")
            cmd = Path(f"/proc/{d}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if mark in env:
            found.append(f"pid {d}: {cmd[:150]}")
    return found


def assert_rows(graded: Graded, expect: dict[str, tuple[str, str]]) -> None:
    """learner -> (status, the check that fails first; for ERROR, words of the error)."""
    assert set(graded.rows) == set(expect), graded.why()
    for learner, (status, what) in expect.items():
        row = graded.rows[learner]
        assert row["status"] == status, (learner, row, graded.why())
        if status == "FAIL":
            assert row["first_failure"] == what, (learner, row)
            assert row["hint"] and row["readme_step"].startswith("labs/"), row  # the step to revisit, and where
            # the gradebook page says the same: the check that failed, the hint, and where that step is
            page = html.unescape((graded.out / "gradebook.html").read_text())
            mine = page.split(f"<tr><td>{learner}</td>", 1)[1].split("</tr>", 1)[0]
            assert f"<b>{what}</b>" in mine and f"revisit: {row['hint']}" in mine and row["readme_step"] in mine, mine
        elif status == "ERROR":
            assert what in row["detail"], (learner, row["detail"])
            assert row["readme_step"].startswith("labs/"), row
    assert not graded.left, f"grade left running: {graded.left}"
