"""N writers x M values against a tracking server: acknowledged vs stored, errors by kind, throughput.

Each writer is a thread with its own HTTP session and its own run; value j is logged at step j, so a
stored value is identified by (run, step) whatever its timestamp, and must read back as j. "Acknowledged"
means the server answered HTTP 200; a write that failed may still be stored (the server committed, then
the answer was lost): that is counted apart and is not a loss. Lost = acknowledged and not stored, or
stored with another value; it must be zero.

Bounded by construction: every request has a timeout, every writer a value count and a deadline.
Run as `python -m mlflow_labs.lab6.load --tracking-uri URL`; credentials, if the server has auth, come
from MLFLOW_TRACKING_USERNAME / MLFLOW_TRACKING_PASSWORD (MLflow's own names), never from arguments.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import threading
import time
from collections import Counter
from dataclasses import asdict, dataclass, field

import requests

from mlflow_labs.errors import LabError
from mlflow_labs.harness.net import wait_until

API = "/api/2.0/mlflow"
KEY = "load"
REQUEST_TIMEOUT = 20.0  # a request that takes longer counts as a "timeout" error, never a hang
FAILURE_BACKOFF = 0.5
READ_BACK_S = 300.0  # the read-back after a fault: a recovering server answers within this, or the figure is an error


@dataclass
class LoadResult:
    label: str
    writers: int
    values_per_writer: int
    batch: int                      # metrics per call (1 = log-metric, >1 = log-batch)
    attempted: int = 0              # values the writers tried to log
    acknowledged: int = 0           # values in calls answered HTTP 200
    stored: int = 0                 # values the server returns afterwards (REST)
    lost: int = 0                   # acknowledged but not stored, or stored with another value: must be 0
    wrong_value: int = 0            # of those lost: the step is there with a value that was never logged
    stored_unacknowledged: int = 0  # failed calls whose values were stored anyway (not a loss)
    errors: dict = field(default_factory=dict)  # kind -> count (calls)
    seconds: float = 0.0
    writes_per_s: float = 0.0       # acknowledged values per second
    slowest_error_s: float = 0.0    # the longest a failing call kept a client waiting
    runs_ended: dict = field(default_factory=dict)  # status -> runs ended with it (FINISHED / FAILED)
    run_ids: list = field(default_factory=list, repr=False)
    acked: dict = field(default_factory=dict, repr=False)  # run_id -> set of acknowledged steps

    def figures(self) -> dict:
        d = asdict(self)
        d.pop("run_ids")
        d.pop("acked")
        return d

    def summary(self) -> str:
        errs = ", ".join(f"{k}: {v}" for k, v in sorted(self.errors.items())) or "none"
        return (f"{self.label}: {self.writers} writers x {self.values_per_writer} values"
                f"{f' (log-batch of {self.batch})' if self.batch > 1 else ''}: {self.acknowledged} acknowledged, "
                f"{self.stored} stored, {self.lost} lost{f' ({self.wrong_value} with a wrong value)' if self.wrong_value else ''}, "
                f"{self.writes_per_s:.0f} writes/s; errors: {errs}")


_NOISE = re.compile(r"[0-9a-f]{32}|\b\d+(\.\d+)?\b")


def error_kind(exc: Exception | None = None, response: requests.Response | None = None) -> str:
    """A short, countable name for what went wrong (ids and numbers stripped so kinds group)."""
    if exc is not None:
        if isinstance(exc, requests.Timeout):
            return "timeout"
        if isinstance(exc, requests.ConnectionError):
            text = str(exc)
            return "connection refused" if "refused" in text.lower() else "connection error"
        return type(exc).__name__
    assert response is not None
    text = response.text
    for phrase in ("database is locked", "too many clients", "too many connections", "could not connect",
                   "connection refused", "server closed the connection", "terminating connection",
                   "Connection refused", "OperationalError", "IntegrityError", "UNIQUE constraint",
                   "duplicate key", "Invalid Host header", "Permission denied", "not authenticated"):
        if phrase.lower() in text.lower():
            return f"HTTP {response.status_code} {phrase.lower()}"
    try:
        code = response.json().get("error_code", "")
    except ValueError:
        code = _NOISE.sub("#", text.strip().splitlines()[0][:60]) if text.strip() else ""
    return f"HTTP {response.status_code} {code}".strip()


class Writers:
    """The writer threads. `start()` then `join()`; or `stop()` early (a fault scenario's end)."""

    def __init__(self, uri: str, experiment_id: str, *, writers: int, values: int, batch: int = 1,
                 pace: float = 0.0, deadline_s: float = 300.0, auth: tuple[str, str] | None = None,
                 label: str = "load", host_header: str | None = None):
        self.uri, self.experiment_id = uri.rstrip("/"), experiment_id
        self.result = LoadResult(label, writers, values, batch)
        self.pace, self.deadline_s, self.auth = pace, deadline_s, auth
        self.headers = {"Host": host_header} if host_header else {}
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._errors: Counter = Counter()
        self._threads: list[threading.Thread] = []
        self._t0 = 0.0
        # (time, ok) of every call: the fault scenarios read outage and recovery from it
        self.timeline: list[tuple[float, bool]] = []
        # (started, ended, kind) of every failed call: the fault scenarios check each lies in the fault's window
        self.failed_calls: list[tuple[float, float, str]] = []
        self._gave_up: set[str] = set()  # runs whose writer hit its deadline before logging all it meant to

    def _session(self) -> requests.Session:
        s = requests.Session()
        s.auth = self.auth
        s.headers.update(self.headers)
        return s

    def _call(self, session, endpoint: str, body: dict) -> requests.Response | None:
        t = time.monotonic()
        try:
            r = session.post(self.uri + API + endpoint, json=body, timeout=REQUEST_TIMEOUT)
            kind = None if r.status_code == 200 else error_kind(response=r)
        except requests.RequestException as exc:
            r, kind = None, error_kind(exc)
        end = time.monotonic()
        with self._lock:
            self.timeline.append((end - self._t0, kind is None))
            if kind:
                self._errors[kind] += 1
                self.failed_calls.append((round(t - self._t0, 3), round(end - self._t0, 3), kind))
                self.result.slowest_error_s = max(self.result.slowest_error_s, round(end - t, 2))
        return r if kind is None else None

    def _create_run(self, session, i: int) -> str | None:
        for _ in range(20):  # bounded: a server that never comes back ends the writer
            if self._stop.is_set() or self._late():
                return None
            r = self._call(session, "/runs/create", {"experiment_id": self.experiment_id,
                                                     "run_name": f"{self.result.label}-w{i}",
                                                     "start_time": int(time.time() * 1000)})
            if r is not None:
                return r.json()["run"]["info"]["run_id"]
            time.sleep(0.5)
        return None

    def _late(self) -> bool:
        return time.monotonic() - self._t0 > self.deadline_s

    def _writer(self, i: int) -> None:
        session = self._session()
        run_id = self._create_run(session, i)
        if run_id is None:
            return
        acked: set[int] = set()
        with self._lock:
            self.result.run_ids.append(run_id)
            self.result.acked[run_id] = acked
        b = self.result.batch
        for start in range(0, self.result.values_per_writer, b):
            if self._stop.is_set():
                break
            if self._late():
                with self._lock:
                    self._gave_up.add(run_id)
                break
            steps = list(range(start, min(start + b, self.result.values_per_writer)))
            now = int(time.time() * 1000)
            if b == 1:
                ok = self._call(session, "/runs/log-metric", {"run_id": run_id, "key": KEY, "value": float(steps[0]),
                                                              "timestamp": now, "step": steps[0]})
            else:
                ok = self._call(session, "/runs/log-batch", {"run_id": run_id, "metrics": [
                    {"key": KEY, "value": float(s), "timestamp": now, "step": s} for s in steps]})
            with self._lock:
                self.result.attempted += len(steps)
                if ok is not None:
                    acked.update(steps)
                    self.result.acknowledged += len(steps)
            if ok is None:
                time.sleep(FAILURE_BACKOFF)  # a down server is not hammered; its values stay unacknowledged
            elif self.pace:
                time.sleep(self.pace)

    def start(self) -> "Writers":
        self._t0 = time.monotonic()
        self._threads = [threading.Thread(target=self._writer, args=(i,), daemon=True)
                         for i in range(self.result.writers)]
        for t in self._threads:
            t.start()
        return self

    def stop(self) -> None:
        self._stop.set()

    def join(self) -> LoadResult:
        for t in self._threads:
            t.join(self.deadline_s + 2 * REQUEST_TIMEOUT)
        r = self.result
        r.seconds = round(time.monotonic() - self._t0, 2)
        r.writes_per_s = round(r.acknowledged / r.seconds, 1) if r.seconds else 0.0
        r.errors = dict(self._errors)
        self._end_runs()
        return r

    def _end_runs(self) -> None:
        """End every writer's run, as MLflow's own client does when a run's `with` block exits: FINISHED when
        its writer went through all its values or was stopped on purpose (a fault scenario's end), FAILED
        when it gave up at its deadline. A learner's experiment must not keep runs RUNNING forever. Done
        after the clock stopped (no figure counts it) and outside the call log (a fault's window judges
        only the writers' own calls); bounded: one try per run, none once the server is gone."""
        session = self._session()
        for run_id in list(self.result.run_ids):
            status = "FAILED" if run_id in self._gave_up else "FINISHED"
            try:
                r = session.post(self.uri + API + "/runs/update", timeout=REQUEST_TIMEOUT,
                                 json={"run_id": run_id, "status": status, "end_time": int(time.time() * 1000)})
            except requests.RequestException:
                break
            if r.status_code == 200:
                self.result.runs_ended[status] = self.result.runs_ended.get(status, 0) + 1

    def run(self) -> LoadResult:
        return self.start().join()


def stored_values(uri: str, run_id: str, auth: tuple[str, str] | None = None) -> dict[int, set[float]]:
    """step -> the values of KEY the server returns for one run at that step (read back over REST, retried
    while it recovers). A set: a retried write may store the same step twice."""
    def probe():
        r = requests.get(uri.rstrip("/") + API + "/metrics/get-history",
                         params={"run_id": run_id, "metric_key": KEY, "max_results": 100000},
                         auth=auth, timeout=REQUEST_TIMEOUT)
        if r.status_code != 200:
            return None, f"HTTP {r.status_code} {r.text[:120].strip()}"
        got: dict[int, set[float]] = {}
        for m in r.json().get("metrics", []):
            got.setdefault(int(m["step"]), set()).add(float(m["value"]))
        return got, f"{len(got)} step(s)"
    return wait_until(probe, timeout=READ_BACK_S, what=f"reading back run {run_id}'s {KEY} history from {uri}")


def verify(result: LoadResult, uri: str, auth: tuple[str, str] | None = None) -> LoadResult:
    """Fill stored / lost / stored_unacknowledged from what the server returns now: an acknowledged step is
    stored only if it reads back with the value logged at it (step j carries j)."""
    stored = lost = wrong = extra = 0
    for run_id in result.run_ids:
        got = stored_values(uri, run_id, auth)
        acked = result.acked[run_id]
        stored += len(got)
        missing = acked - set(got)
        wrong_here = {s for s in acked & set(got) if got[s] != {float(s)}}
        lost += len(missing) + len(wrong_here)
        wrong += len(wrong_here)
        extra += len(set(got) - acked)
    result.stored, result.lost, result.wrong_value, result.stored_unacknowledged = stored, lost, wrong, extra
    return result


def experiment_id(uri: str, name: str, auth: tuple[str, str] | None = None) -> str:
    """The experiment's id, created if missing (the writer needs EDIT on it with auth)."""
    base = uri.rstrip("/") + API
    r = requests.get(base + "/experiments/get-by-name", params={"experiment_name": name}, auth=auth,
                     timeout=REQUEST_TIMEOUT)
    if r.status_code == 200:
        return r.json()["experiment"]["experiment_id"]
    r = requests.post(base + "/experiments/create", json={"name": name}, auth=auth, timeout=REQUEST_TIMEOUT)
    if r.status_code != 200:
        raise RuntimeError(f"cannot get or create experiment {name} at {uri}: HTTP {r.status_code} {r.text[:150]}")
    return r.json()["experiment_id"]


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m mlflow_labs.lab6.load",
                                description="N concurrent writers x M values; acknowledged vs stored.")
    p.add_argument("--tracking-uri", required=True)
    p.add_argument("--experiment", default="lab6-load")
    p.add_argument("--writers", type=int, default=16)
    p.add_argument("--values", type=int, default=50)
    p.add_argument("--batch", type=int, default=1, help="metrics per call (>1 uses log-batch)")
    p.add_argument("--deadline", type=float, default=300, help="seconds before the writers give up")
    a = p.parse_args(argv)
    user, password = os.environ.get("MLFLOW_TRACKING_USERNAME"), os.environ.get("MLFLOW_TRACKING_PASSWORD")
    creds = (user, password) if user and password else None
    try:
        exp = experiment_id(a.tracking_uri, a.experiment, creds)
        res = verify(Writers(a.tracking_uri, exp, writers=a.writers, values=a.values, batch=a.batch,
                             deadline_s=a.deadline, auth=creds, label="load").run(), a.tracking_uri, creds)
    except (RuntimeError, LabError, requests.RequestException) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(res.summary())
    if res.lost or res.acknowledged == 0:
        print("FAIL: acknowledged writes are missing" if res.lost else "FAIL: nothing was acknowledged")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
