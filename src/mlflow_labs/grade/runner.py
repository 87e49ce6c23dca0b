"""Grade every learner of a roster with one lab's own checks: in parallel, each bounded in time and size.

Every distinct server is probed once (grade/worker.py ``probe``: anything answering /health and the API,
within a short bound): the learners of a server that is down, hung or not speaking HTTP get its error at
once, so a dead shared server costs its probe, not a time bound per learner. The learners of a server that
answered are graded as soon as its probe did (a hung server's probe does not hold the class up), each in a
worker process (grade/pool.py) exactly as `mlflow-labs check` grades one; a worker that
outlasts the learner's time bound is killed with everything it started, and the row keeps what the
checks found before that and names the check that was cut short.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from mlflow_labs.grade.pool import Job, Outcome, Pool
from mlflow_labs.grade.roster import BearerAuth, Learner
from mlflow_labs.harness.suite import CheckResult, CheckSuite


@dataclass
class Grade:
    learner: Learner
    results: list[CheckResult] = field(default_factory=list)
    error: str | None = None  # the server could not be checked at all (down, not MLflow, too slow)
    seconds: float = 0.0
    stopped_at: str = ""      # the check the time bound cut short
    hint: str = ""            # with an error: the README step to revisit (the cut-short check's, or the server's)

    @property
    def passed(self) -> int:
        return sum(r.ok for r in self.results)

    @property
    def ok(self) -> bool:
        return self.error is None and bool(self.results) and all(r.ok for r in self.results)

    @property
    def status(self) -> str:
        return "PASS" if self.ok else ("ERROR" if self.error else "FAIL")

    def first_failure(self) -> tuple[str, str, str]:
        """(check, detail, hint) of the first failure; with an error, the check it stopped at (or none)."""
        if self.error:
            return self.stopped_at, self.error, self.hint
        for r in self.results:
            if not r.ok:
                return r.name, r.detail, r.hint
        return "", "", ""


def scrub(text: str, secrets) -> str:
    """A hostile server may echo what it was sent: no secret reaches an output, whatever it echoes."""
    for s in secrets:
        if s:
            text = text.replace(s, "***")
    return text


def hints(spec) -> dict[str, str]:
    """check name -> the README step to revisit, for every check of the lab (in the lab's order)."""
    out: dict[str, str] = {}
    for suite in (v for v in vars(spec.checks()).values() if isinstance(v, CheckSuite)):
        for c in suite.checks:
            out.setdefault(c.name, c.hint)
    return out


def _auth(auth) -> list | None:
    """A learner's requests auth as the worker's job carries it (over its stdin, never a command line)."""
    if auth is None:
        return None
    return ["bearer", auth._token] if isinstance(auth, BearerAuth) else ["basic", *auth]


def learner_folder(i: int, learner: Learner) -> str:
    """The learner's own folder in the output (what their checks save: lab 5's screenshots)."""
    return f"{i + 1:03d}-{re.sub(r'[^A-Za-z0-9_.-]', '_', learner.name)[:40]}"


def _payload(learner: Learner, i: int, time_bound: float, max_bytes: int, out: Path, scratch: Path) -> dict:
    return {"kind": "learner", "uri": learner.tracking_uri, "experiment": learner.experiment,
            "auth": _auth(learner.auth), "env": dict(learner.env), "sources": getattr(learner.env, "sources", {}),
            "repos": dict(learner.repos), "bound": time_bound, "max_bytes": max_bytes,
            "reports": str(out / "learners" / learner_folder(i, learner)), "scratch": str(scratch / str(i))}


def _graded(learner: Learner, outcome: Outcome, time_bound: float, known: dict[str, str]) -> Grade:
    """A Grade from what the worker answered, or from what it reported before it was killed."""
    if outcome.done is not None:
        done = outcome.done
        grade = Grade(learner, [CheckResult(**r) for r in done["results"]], done["error"], done["seconds"])
        if grade.error is None and grade.seconds >= time_bound and not all(r.ok for r in grade.results):
            # a check cut short by the bound says nothing about the learner's work: the row is the server's slowness
            grade.error = (f"the server at {learner.tracking_uri} did not answer every check within the "
                           f"{time_bound:.0f} s time bound ({grade.passed} of {len(grade.results)} passed before it "
                           f"ran out): it is slow or overloaded; grade again with a larger --time-bound, or check by "
                           f"hand with `mlflow-labs check`")
    else:
        results = [CheckResult(**e["result"]) for e in outcome.events if "result" in e]
        started = [e["start"] for e in outcome.events if "start" in e]
        stopped = started[-1] if started and len(started) > len(results) else ""
        doing = f"the check '{stopped}' was still running" if stopped else "the server check or the setup was still running"
        grade = Grade(learner, results, seconds=outcome.seconds, stopped_at=stopped, error=(
            f"no verdict within the {time_bound:.0f} s time bound: {doing} ({outcome.why}; everything it started "
            f"was stopped). The server at {learner.tracking_uri} holds its answers back, or the check waits on a page "
            f"that never comes; check it by hand with `mlflow-labs check`, or grade again with a larger --time-bound"
            if outcome.why.startswith("killed") else f"could not be graded: {outcome.why}"))
    if grade.error:
        grade.hint = known.get(grade.stopped_at) or next(iter(known.values()), "")
    grade.error = grade.error and scrub(grade.error, learner.secrets)
    for r in grade.results:
        r.detail = scrub(r.detail, learner.secrets)
    return grade


def grade_all(spec, learners: list[Learner], *, workers: int, time_bound: float, max_bytes: int, out: Path,
              probe_bound: float, progress: Callable[[Grade, int, int], None] | None = None) -> list[Grade]:
    """Grades in roster order. At most ``workers`` learners at once, each in a worker process. ``probe_bound``:
    seconds each server has to answer its probe (at most the time bound)."""
    known = hints(spec)
    grades: dict[int, Grade] = {}

    def finish(i: int, grade: Grade) -> None:
        grades[i] = grade
        if progress:
            progress(grade, len(grades), len(learners))

    probe_bound = min(time_bound, probe_bound)
    on_server: dict[str, list[int]] = {}  # each distinct server, in roster order: its learners
    for i, learner in enumerate(learners):
        on_server.setdefault(learner.server, []).append(i)
    scratch = Path(tempfile.mkdtemp(prefix="mlflow-labs-grade-"))

    def probed(uri: str, outcome: Outcome) -> list[Job]:
        """A server's learners as jobs once its probe answered; else each gets the server's error at once."""
        if outcome.done is None:
            dead = (f"the server at {uri} did not answer the grader's probe (/health and one API call) "
                    f"within {probe_bound:.0f} s ({outcome.why}): it is hung, or something holds its port "
                    f"without answering; none of its learners was graded")
        else:
            dead = outcome.done["error"]
        if not dead:
            return [Job(i, _payload(learners[i], i, time_bound, max_bytes, out, scratch), time_bound)
                    for i in on_server[uri]]
        for i in on_server[uri]:
            finish(i, _graded(learners[i], Outcome({"error": dead, "results": [], "seconds": 0.0}), time_bound, known))
        return []

    # one queue: a server's learners are graded as soon as ITS probe answered, beside the probe of a hung one
    jobs = [Job(uri, {"kind": "probe", "uri": uri, "bound": probe_bound, "max_bytes": max_bytes}, probe_bound)
            for uri in on_server]

    def ended(job: Job, outcome: Outcome) -> None:
        if job.payload["kind"] == "probe":
            jobs.extend(probed(job.key, outcome))
        else:
            finish(job.key, _graded(learners[job.key], outcome, time_bound, known))

    try:
        with Pool(spec.name, min(workers, len(learners))) as pool:
            pool.run(jobs, ended)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return [grades[i] for i in range(len(learners))]
