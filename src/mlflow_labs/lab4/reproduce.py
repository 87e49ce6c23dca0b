"""Reproduce an MLflow run from what it recorded: commit, DVC data hash, training arguments.

Everything comes from the run as the REST API returns it (not from the harness's memory):
a fresh clone at the recorded commit, `dvc pull` of the data that commit's .dvc file names,
its md5 checked against the run's, train.py rerun with the recorded arguments, and the new
run's metrics, params and data hash compared with the original's.
"""

from __future__ import annotations

import json
import math
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from tabulate import tabulate

from mlflow_labs.harness.client import TrackingClient, metrics, params, tags
from mlflow_labs.errors import LabError, tail
from mlflow_labs.harness.tools import run_tool
from mlflow_labs.lab4 import tools

TOLERANCE = 1e-9              # metrics must agree exactly or within this (they agree exactly here)
REPRO_TAG = "reproduces"      # the new run points at the original
FORBIDDEN_ARGS = {"--tracking-uri", "--tag", "--allow-dirty", "--run-name"}  # the harness sets these itself


class NotReproducible(LabError):
    """The run lacks what a reproduction needs (or was logged from a dirty tree)."""


@dataclass
class Recorded:
    run_id: str
    run_name: str
    experiment_id: str
    commit: str
    md5: str
    dvc_path: str
    train_args: list[str]
    metrics: dict[str, float]
    params: dict[str, str]
    tags: dict[str, str]


@dataclass
class Row:
    what: str
    original: str
    new: str
    ok: bool


@dataclass
class Result:
    original: Recorded
    new_run_id: str = ""
    rows: list[Row] = field(default_factory=list)
    checkout: Path | None = None
    phases: dict[str, float] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return bool(self.rows) and all(r.ok for r in self.rows)

    def table(self) -> str:
        body = tabulate([(r.what, r.original, r.new, "equal" if r.ok else "DIFFERENT") for r in self.rows],
                        headers=["", f"original {self.original.run_id[:12]}", f"reproduction {self.new_run_id[:12]}",
                                 ""], tablefmt="simple")
        verdict = ("REPRODUCED: same code, same data, same metrics" if self.ok else
                   "NOT REPRODUCED: see the rows marked DIFFERENT")
        return f"{body}\n{verdict} (metrics compared exactly, tolerance {TOLERANCE:g})"


def recorded(run: dict) -> Recorded:
    """What the run says about itself; refuse clearly when something a rerun needs is missing or unsafe."""
    t, rid = tags(run), run["info"]["run_id"]
    if t.get("git_dirty") != "false":
        if t.get("git_dirty") == "true":
            raise NotReproducible(
                f"Run {rid} was logged from a working tree with uncommitted changes (git_dirty=true; changed: "
                f"{t.get('git_dirty_files', '?')}). Its code is not in commit {t.get('git_commit', '?')[:12]}, so it "
                f"cannot be reproduced. Commit the changes, train again, and reproduce that run instead.")
        raise NotReproducible(f"Run {rid} has no git_dirty tag: it was not logged by the lab's train.py, so there is "
                              f"no record of whether its code was committed. Train it with the lab's train.py.")
    missing = [k for k in ("git_commit", "dvc_md5", "dvc_path", "train_args") if not t.get(k)]
    if missing:
        raise NotReproducible(f"Run {rid} lacks the tag(s) {', '.join(missing)} that a reproduction needs; "
                              f"train it with the lab's train.py, which records them.")
    if not tools.is_commit_hash(t["git_commit"]):
        raise NotReproducible(f"Run {rid} records git_commit={t['git_commit']!r}, not a 40-hex git commit hash.")
    if not tools.is_md5(t["dvc_md5"]):
        raise NotReproducible(f"Run {rid} records dvc_md5={t['dvc_md5']!r}, not a 32-hex md5.")
    try:
        args = json.loads(t["train_args"])
    except ValueError:
        args = None
    if not (isinstance(args, list) and all(isinstance(a, str) for a in args)) or FORBIDDEN_ARGS & set(args):
        raise NotReproducible(f"Run {rid} has a malformed train_args tag {t['train_args'][:200]!r}: "
                              f"expected a JSON list of train.py hyperparameter arguments.")
    return Recorded(rid, run["info"].get("run_name", ""), run["info"]["experiment_id"], t["git_commit"],
                    t["dvc_md5"], t["dvc_path"], args, metrics(run), params(run), t)


def compare(orig: Recorded, new_run: dict, tolerance: float = TOLERANCE) -> list[Row]:
    """Rows for data hash, commit, params and every metric of the original; each either equal or not."""
    nt, nm, np_ = tags(new_run), metrics(new_run), params(new_run)
    rows = [
        Row("data md5 (dvc_md5)", orig.md5, nt.get("dvc_md5", "(none)"), nt.get("dvc_md5") == orig.md5),
        Row("code (git_commit)", orig.commit[:12], nt.get("git_commit", "(none)")[:12], nt.get("git_commit") == orig.commit),
        Row("mlflow.source.git.commit", orig.tags.get("mlflow.source.git.commit", "(none)")[:12],
            nt.get("mlflow.source.git.commit", "(none)")[:12],
            nt.get("mlflow.source.git.commit") == orig.commit),
    ]
    differing = sorted(k for k in set(orig.params) | set(np_) if orig.params.get(k) != np_.get(k))
    rows.append(Row("params", f"{len(orig.params)} params", "all equal" if not differing else
                    ", ".join(f"{k}={np_.get(k)!r}" for k in differing), not differing))
    if not orig.metrics:
        rows.append(Row("metrics", "(none recorded)", "", False))
    for key in sorted(orig.metrics):
        a, b = orig.metrics[key], nm.get(key)
        same = b is not None and (a == b or (math.isfinite(a) and math.isfinite(b) and abs(a - b) <= tolerance))
        rows.append(Row(f"metric {key}", repr(a), repr(b) if b is not None else "(missing)", same))
    return rows


def reproduce(run_id: str, tracking_uri: str, repo: str | Path, *, workdir: Path | None = None,
              python: str | None = None, progress: Callable[[str], None] = lambda m: None) -> Result:
    """Clone ``repo`` at the run's commit, pull its data, rerun train.py and compare. Raises LabError when
    the run cannot be reproduced at all; returns a Result (``ok`` False on a mismatch) otherwise."""
    client = TrackingClient(tracking_uri)
    client.ensure_mlflow()
    run = client.get_run(run_id)
    if not run:
        raise LabError(f"There is no run {run_id} at {tracking_uri}. Copy the run id from the MLflow UI or best_run.py.")
    orig = recorded(run)
    result = Result(orig)
    src = Path(repo).resolve() if Path(repo).exists() else repo
    dest = Path(workdir or tempfile.mkdtemp(prefix="lab4-repro-")) / "checkout"
    result.checkout = dest

    t0 = time.monotonic()
    progress(f"clone {src} at {orig.commit[:12]} into {dest}")
    tools.git(Path.cwd(), "clone", "-q", "--no-checkout", str(src), str(dest), what="git clone of the project repo")
    tools.git(dest, "checkout", "-q", "--detach", orig.commit, what=f"git checkout of commit {orig.commit[:12]}",
              hint=f"Run {run_id} was trained at commit {orig.commit}; --repo must be the repository it was "
                   f"trained in (or one that has that commit pushed to it).")
    dvc_file = dest / f"{orig.dvc_path}.dvc"
    if not dvc_file.exists():
        raise NotReproducible(f"Commit {orig.commit[:12]} has no {orig.dvc_path}.dvc, but run {run_id} says it used "
                              f"{orig.dvc_path} under DVC. Was the .dvc file committed before training?")
    at_commit = tools.recorded_md5(dvc_file)
    if at_commit != orig.md5:
        raise NotReproducible(f"At commit {orig.commit[:12]}, {orig.dvc_path}.dvc records md5 {at_commit}, but run "
                              f"{run_id} recorded {orig.md5}: the run's tags do not describe that commit's data.")
    result.phases["clone"] = time.monotonic() - t0

    t0 = time.monotonic()
    progress(f"dvc pull {orig.dvc_path} (md5 {orig.md5})")
    tools.dvc(dest, "pull", "-q", f"{orig.dvc_path}.dvc", what=f"dvc pull of {orig.dvc_path}",
              hint="The data must have been pushed (`dvc push`) to the remote in the commit's .dvc/config.")
    got = tools.file_md5(dest / orig.dvc_path)
    if got != orig.md5:
        raise NotReproducible(f"dvc pull restored {orig.dvc_path} with md5 {got}, not the run's {orig.md5}: the DVC "
                              f"remote holds different bytes under that hash (a corrupted remote?).")
    result.phases["dvc pull"] = time.monotonic() - t0

    t0 = time.monotonic()
    cmd = [python or sys.executable, "train.py", *orig.train_args, "--tracking-uri", tracking_uri,
           "--run-name", f"reproduce-{orig.run_name or run_id}"[:250], "--tag", f"{REPRO_TAG}={run_id}"]
    progress(f"rerun: python train.py {' '.join(orig.train_args)}")
    # run_tool: a rerun that hangs past the bound ends as one ToolError paragraph, not a traceback
    p = run_tool(cmd, cwd=dest, env=tools.tool_env(), timeout=900, check=False, what="rerunning train.py")
    if p.returncode != 0:
        raise LabError(f"Rerunning train.py at commit {orig.commit[:12]} failed (exit {p.returncode}):\n"
                       f"{tail(p.stdout + p.stderr, 15)}")
    result.phases["train"] = time.monotonic() - t0

    new = client.search_runs([orig.experiment_id], filter=f"tags.{REPRO_TAG} = '{run_id}'",
                             order_by=["attributes.start_time DESC"], max_results=1)
    if not new:
        raise LabError(f"train.py finished but no run tagged {REPRO_TAG}={run_id} is in experiment "
                       f"{orig.experiment_id} at {tracking_uri}. Its output:\n{tail(p.stdout + p.stderr, 10)}")
    result.new_run_id = new[0]["info"]["run_id"]
    result.rows = compare(orig, new[0])
    return result
