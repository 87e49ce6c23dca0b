"""One grading worker: `python -m mlflow_labs.grade.worker LAB`, started and killed by grade/pool.py.

It reads jobs (JSON lines on stdin: a server to probe, or a learner to grade) and answers with JSON lines
on its protocol channel (the stdout it was started with; everything else it or its tools print goes to
stderr). Each learner is graded as `mlflow-labs check` grades one: the lab's server check, then its checks
with the learner's experiment, credentials and inputs, every request under the learner's bounds
(client.bounded). The pool kills the worker, with everything it started (a browser, git, dvc), when a
learner outlasts the time bound; what it reported before that (each check's start and result) stays.

Secrets come over stdin, never on a command line or in the environment, where `ps` and /proc show them.
"""

from __future__ import annotations

import gc
import json
import os
import shutil
import sys
import time
from pathlib import Path

from mlflow_labs import settings
from mlflow_labs.errors import LabError
from mlflow_labs.grade.references import BearerAuth
from mlflow_labs.harness.client import API, TrackingClient, bounded
from mlflow_labs.harness.inputs import REPO, RosterVariables
from mlflow_labs.harness.spec import load
from mlflow_labs.labs import get_lab


def probe(job: dict) -> dict:
    """Is anything answering at this server? /health and one API call, each within the probe's bound (any
    answer counts: the learners' own checks judge it). No credentials are sent."""
    t0 = time.monotonic()
    try:
        with bounded(deadline=t0 + job["bound"], max_bytes=job["max_bytes"]):
            client = TrackingClient(job["uri"], timeout=job["bound"])
            client._request("GET", "/health")
            client._request("POST", API + "/experiments/search", json={"max_results": 1})
        error = None
    except LabError as exc:
        error = str(exc)
    return {"error": error, "seconds": time.monotonic() - t0}


def _auth(given):
    if not given:
        return None
    kind, *values = given
    return BearerAuth(values[0]) if kind == "bearer" else tuple(values)


def _inputs(spec, job: dict, scratch: Path, deadline: float) -> dict:
    """The check options from the learner's inputs: their variables, and each repository cloned read-only."""
    options: dict = {"env": RosterVariables(job["env"], job["sources"])}
    for i in spec.inputs:
        source = job["repos"].get(i.name)
        if i.kind != REPO or not source:
            continue
        options[f"{i.name}_source"] = source
        try:
            options[i.name] = str(load(i.prepare)(source, scratch, max(1.0, deadline - time.monotonic())))
        except LabError as exc:
            options[f"{i.name}_problem"] = str(exc)
    return options


def _browser_waits(bound: float) -> None:
    """A lab's browser waits follow the bound: one wait may take a quarter of it at most (never more than the
    setting says), so a page that never shows its element fails that check, not the learner's whole row."""
    own = settings.browser_step_timeout_ms() / 1000
    os.environ["MLFLOW_LABS_BROWSER_STEP_TIMEOUT"] = f"{min(own, max(2.0, bound / 4)):g}"


def grade(spec, job: dict, emit) -> dict:
    t0 = time.monotonic()
    deadline = t0 + job["bound"]
    scratch = Path(job["scratch"])
    scratch.mkdir(parents=True, exist_ok=True)
    os.environ["MLFLOW_LABS_REPORTS"] = job["reports"]  # what a check saves (lab 5's screenshots): the learner's folder
    results, error = [], None
    try:
        _browser_waits(job["bound"])
        with bounded(deadline=deadline, max_bytes=job["max_bytes"]):
            client = TrackingClient(job["uri"], timeout=job["bound"])
            client.session.auth = _auth(job["auth"])
            spec.ensure_server(job["uri"], client)
            options = _inputs(spec, job, scratch, deadline)
            results = spec.checks().run_checks(
                job["uri"], client=client, experiment=job["experiment"], **options,
                on_start=lambda name: emit({"start": name}),
                on_result=lambda r: emit({"result": r.as_dict()}))
    except LabError as exc:
        error = str(exc)
    except Exception as exc:  # noqa: BLE001 - a server's odd answer crashed a check: its row, not the class
        error = f"the checks could not read this server's answers ({type(exc).__name__}: {str(exc)[:200]})"
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return {"error": error, "results": [r.as_dict() for r in results], "seconds": time.monotonic() - t0}


def main(argv: list[str]) -> int:
    protocol = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # whatever a check or its tools print goes to the worker's log, not into the protocol
    sys.stdout = sys.stderr
    spec = get_lab(argv[0])
    spec.checks()  # imported once, before the first learner's clock starts

    def emit(event: dict) -> None:
        protocol.write(json.dumps(event) + "\n")

    emit({"ready": os.getpid()})
    for line in sys.stdin:
        job = json.loads(line)
        emit({"done": probe(job) if job["kind"] == "probe" else grade(spec, job, emit)})
        gc.collect()  # the learner's sessions and sockets go now, not with the next learner's
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
