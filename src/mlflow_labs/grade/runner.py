"""Grade every learner of a roster with one lab's own checks: in parallel, each bounded in time and size.

Each learner runs in its own daemon thread, inside client.bounded(): every request the checks make
stops at the learner's deadline and reads at most ``max_bytes``. A thread still busy past the deadline
plus a grace (a server dripping headers byte by byte can hold a socket read) is abandoned: its row says
so and the class goes on; being a daemon it never holds the process open at exit.
"""

from __future__ import annotations

import queue
import threading
import time
from dataclasses import dataclass, field
from typing import Callable

from mlflow_labs.grade.roster import Learner
from mlflow_labs.harness.client import TrackingClient, bounded
from mlflow_labs.errors import LabError
from mlflow_labs.harness.suite import CheckResult

GRACE = 5.0  # seconds past a learner's bound before their thread is abandoned


@dataclass
class Grade:
    learner: Learner
    results: list[CheckResult] = field(default_factory=list)
    error: str | None = None  # the server could not be checked at all (down, not MLflow, too slow)
    seconds: float = 0.0

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
        """(check, detail, hint) of the first failure; the error, when the server could not be checked."""
        if self.error:
            return "", self.error, ""
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


def grade_one(spec, learner: Learner, *, time_bound: float, max_bytes: int) -> Grade:
    """What `mlflow-labs check` does for this learner alone: the server check that exits 2 there is
    this row's error here; then the lab's checks on the learner's experiment, read with their credentials."""
    t0 = time.monotonic()
    grade = Grade(learner)
    with bounded(deadline=t0 + time_bound, max_bytes=max_bytes):
        client = TrackingClient(learner.tracking_uri, timeout=time_bound)
        if learner.auth is not None:
            client.session.auth = learner.auth
        try:
            spec.ensure_server(learner.tracking_uri, client)
            grade.results = spec.checks().run_checks(learner.tracking_uri, client=client, experiment=learner.experiment)
        except LabError as exc:
            grade.error = str(exc)
        except Exception as exc:  # noqa: BLE001 - a server's odd answer crashed a check: its row, not the class
            grade.error = f"the checks could not read this server's answers ({type(exc).__name__}: {str(exc)[:200]})"
    grade.seconds = time.monotonic() - t0
    if grade.error is None and grade.seconds >= time_bound and not all(r.ok for r in grade.results):
        # a check cut short by the bound says nothing about the learner's work: the row is the server's slowness
        grade.error = (f"the server at {learner.tracking_uri} did not answer every check within the {time_bound:.0f} s "
                       f"time bound ({grade.passed} of {len(grade.results)} passed before it ran out): it is slow or "
                       f"overloaded; grade again with a larger --time-bound, or check by hand with `mlflow-labs check`")
    grade.error = grade.error and scrub(grade.error, learner.secrets)
    for r in grade.results:
        r.detail = scrub(r.detail, learner.secrets)
    return grade


def grade_all(spec, learners: list[Learner], *, workers: int, time_bound: float, max_bytes: int,
              progress: Callable[[Grade, int, int], None] | None = None) -> list[Grade]:
    """Grades in roster order. At most ``workers`` learners at once (abandoned threads do not count)."""
    spec.checks()   # imported here, once, not by the first threads at the same time
    done: queue.Queue = queue.Queue()
    pending = list(enumerate(learners))
    running: dict[int, float] = {}   # roster index -> deadline past which the thread is abandoned
    grades: dict[int, Grade] = {}

    def work(i: int, learner: Learner) -> None:
        done.put((i, grade_one(spec, learner, time_bound=time_bound, max_bytes=max_bytes)))

    def finish(i: int, grade: Grade) -> None:
        grades[i] = grade
        if progress:
            progress(grade, len(grades), len(learners))

    while pending or running:
        while pending and len(running) < workers:
            i, learner = pending.pop(0)
            running[i] = time.monotonic() + time_bound + GRACE
            threading.Thread(target=work, args=(i, learner), name=f"grade-{learner.name}", daemon=True).start()
        try:
            i, grade = done.get(timeout=max(0.05, min(running.values()) - time.monotonic()))
            if running.pop(i, None) is not None:  # else: already abandoned, its row written
                finish(i, grade)
        except queue.Empty:
            now = time.monotonic()
            for i in [i for i, limit in running.items() if limit <= now]:
                del running[i]
                finish(i, Grade(learners[i], error=(
                    f"no verdict within the {time_bound:.0f} s time bound (+{GRACE:.0f} s grace): the server at "
                    f"{learners[i].tracking_uri} holds its connections open without answering; check it by hand "
                    f"with `mlflow-labs check`"), seconds=time_bound + GRACE))
    return [grades[i] for i in range(len(learners))]
