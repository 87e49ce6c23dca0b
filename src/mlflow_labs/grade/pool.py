"""The grader's workers: separate processes (grade/worker.py), each grading one learner at a time.

A bound is a kill. A worker whose learner outlasts the time bound (plus a short grace: its own requests
stop at the bound, this is for what does not) is killed with everything it started, and a fresh worker
takes the next learner. Everything a worker starts inherits a marker in its environment, so what left
the worker's process group (Playwright starts the browser as a group leader of its own) is found and
killed too. The grading process itself opens no connection to a learner's server and starts no thread:
when `grade` exits, nothing of it is left.
"""

from __future__ import annotations

import json
import os
import selectors
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from typing import Callable

from mlflow_labs.harness.process import processes
from mlflow_labs.harness.signals import interrupts_held

GRACE = 3.0           # seconds past a job's bound before its worker is killed
START_TIMEOUT = 120.0  # a worker that is not ready by then (a machine under heavy load) is a failed start
MARKER = "GRADED_BY_MLFLOW_LABS"  # not a setting: what marks a worker and all it starts


@dataclass
class Job:
    key: object
    payload: dict
    bound: float   # seconds; the worker is killed at bound + GRACE


@dataclass
class Outcome:
    done: dict | None                  # the worker's answer; None when it was killed or died
    events: list[dict] = field(default_factory=list)  # what it reported first: each check's start and result
    seconds: float = 0.0
    why: str = ""                      # killed or died: what happened


class Worker:
    def __init__(self, lab: str, marker: str):
        self.marker = marker
        self.log = tempfile.TemporaryFile()
        env = {**os.environ, MARKER: marker}
        with interrupts_held():  # a Ctrl-C mid-start must not leave a worker nobody holds
            self.proc = subprocess.Popen([sys.executable, "-m", "mlflow_labs.grade.worker", lab], stdin=subprocess.PIPE,
                                         stdout=subprocess.PIPE, stderr=self.log, env=env, start_new_session=True)
        os.set_blocking(self.proc.stdout.fileno(), False)
        self.buffer = b""
        self.ready = False
        self.born = time.monotonic()
        self.job: Job | None = None
        self.sent = 0.0
        self.events: list[dict] = []

    def read(self) -> list[dict] | None:
        """The complete lines it has written since the last read; None once it has exited."""
        try:
            chunk = os.read(self.proc.stdout.fileno(), 1 << 16)
        except BlockingIOError:
            return []
        if not chunk:
            return None
        self.buffer += chunk
        *lines, self.buffer = self.buffer.split(b"\n")
        return [json.loads(line) for line in lines if line.strip()]

    def send(self, job: Job) -> None:
        self.job, self.sent, self.events = job, time.monotonic(), []
        self.proc.stdin.write(json.dumps(job.payload).encode() + b"\n")
        self.proc.stdin.flush()

    def log_tail(self, chars: int = 600) -> str:
        self.log.seek(0, os.SEEK_END)
        self.log.seek(max(0, self.log.tell() - chars))
        return self.log.read().decode(errors="replace").strip()

    def kill(self) -> None:
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait()
        for f in (self.proc.stdout, self.proc.stdin, self.log):
            try:
                f.close()
            except OSError:  # its stdin's buffer could not be flushed to a dead process: nothing to keep
                pass

    def close(self) -> None:
        """Ask it to end (stdin closed), then kill what does not."""
        try:
            self.proc.stdin.close()
            self.proc.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            pass
        self.kill()


def kill_marked(marker: str, *, prefix: bool = False) -> list[int]:
    """Kill every process whose environment carries ``marker`` (or, with ``prefix``, one starting with it):
    what a worker started, wherever it went."""
    mark = f"{MARKER}={marker}".encode()
    killed = []
    for p in processes(environ=True):
        if p.pid != os.getpid() and p.environ and any(e == mark or prefix and e.startswith(mark) for e in p.environ):
            try:
                os.kill(p.pid, signal.SIGKILL)
                killed.append(p.pid)
            except ProcessLookupError:
                pass
    return killed


class Pool:
    """At most ``size`` workers for lab ``lab``; use as a context manager (every worker ends with it)."""

    def __init__(self, lab: str, size: int):
        self.lab, self.size = lab, size
        self.marker = uuid.uuid4().hex  # each worker's is this, a dash and its number
        self.started = 0
        self.workers: list[Worker] = []
        self.selector = selectors.DefaultSelector()
        self.broken = ""  # why a worker could not even start (its log): no learner can be graded then

    def __enter__(self) -> "Pool":
        return self

    def __exit__(self, *exc) -> None:
        for w in self.workers:
            w.close()
        self.workers.clear()
        self.selector.close()
        kill_marked(self.marker + "-", prefix=True)

    def _start(self) -> Worker:
        self.started += 1
        w = Worker(self.lab, f"{self.marker}-{self.started}")
        self.workers.append(w)
        self.selector.register(w.proc.stdout, selectors.EVENT_READ, w)
        return w

    def _retire(self, w: Worker) -> None:
        self.selector.unregister(w.proc.stdout)
        self.workers.remove(w)
        w.kill()
        kill_marked(w.marker)  # what left its process group (a browser) goes too

    def run(self, jobs: list[Job], finish: Callable[[Job, Outcome], None]) -> None:
        """Every job once, ``size`` at a time; ``finish`` is called as each ends (in the order they end), and may
        append jobs to ``jobs`` itself: they run in this same call (a server's learners, once its probe answered)."""
        pending = jobs
        while pending or any(w.job for w in self.workers):
            while len(self.workers) < min(self.size, len(pending) + sum(bool(w.job) for w in self.workers)):
                self._start()
            for w in self.workers:
                if pending and w.ready and w.job is None:
                    w.send(pending.pop(0))
            now = time.monotonic()
            limits = [w.sent + w.job.bound + GRACE for w in self.workers if w.job]
            limits += [w.born + START_TIMEOUT for w in self.workers if not w.ready]
            wait = max(0.0, min(limits) - now) if limits else 0.05
            for key, _ in self.selector.select(min(wait, 1.0)):
                self._read(key.data, finish)
            if self.broken:  # a worker died before it was ready: the next would too; say so for every learner
                for job in pending:
                    finish(job, Outcome(None, [], 0.0, self.broken))
                pending.clear()
            now = time.monotonic()
            for w in list(self.workers):
                if w.job and now > w.sent + w.job.bound + GRACE:
                    job, events = w.job, w.events
                    self._retire(w)
                    finish(job, Outcome(None, events, now - w.sent, f"killed at the {job.bound:.0f} s time bound"))
                elif not w.ready and now > w.born + START_TIMEOUT:
                    tail = w.log_tail()
                    self._retire(w)
                    if pending:  # the machine cannot start a worker: the rest cannot be graded
                        for job in pending:
                            finish(job, Outcome(None, [], 0.0, f"no grading worker started within {START_TIMEOUT:.0f} s"
                                                                 f"{': ' + tail if tail else ''}"))
                        pending.clear()

    def _read(self, w: Worker, finish) -> None:
        events = w.read()
        if events is None:  # it died (not killed by us): its job, if any, ends with its log
            job, seen, tail = w.job, w.events, w.log_tail()
            self._retire(w)
            if not w.ready:
                self.broken = f"the grading worker did not start (exit {w.proc.returncode}){': ' + tail if tail else ''}"
            if job is not None:
                finish(job, Outcome(None, seen, time.monotonic() - w.sent,
                                    f"the grading worker died (exit {w.proc.returncode}){': ' + tail if tail else ''}"))
            return
        for event in events:
            if "ready" in event:
                w.ready = True
            elif "done" in event and w.job is not None:
                job, seen = w.job, w.events
                w.job = None
                finish(job, Outcome(event["done"], seen, time.monotonic() - w.sent))
            elif w.job is not None:
                w.events.append(event)

