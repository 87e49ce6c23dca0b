"""Lab 6's load verdicts shown able to fail, against a small tracking server on loopback that misbehaves
the way the claims rule out (a real MLflow server cannot be made to): it acknowledges writes and drops
them, stores another value than the one logged, hangs, or answers errors slowly or outside a fault.
Each is the counterpart of the code under test (lab6/load.py's writers and verify(), lab6/faults.py's
hang_problems()); an honest server is the control that must pass."""

from __future__ import annotations

import http.server
import json
import time
import uuid
from contextlib import contextmanager
from urllib.parse import parse_qs, urlparse

import pytest

from mlflow_labs.lab6 import faults, load
from mlflow_labs.lab6.faults import FaultResult, hang_problems
from mlflow_labs.lab6.load import Writers, verify

from tests.loopback import serve

pytestmark = pytest.mark.unit


class _Tracking(http.server.BaseHTTPRequestHandler):
    """The four endpoints the writers and verify() use. ``store(step, value)`` says what is kept (None:
    nothing) for an acknowledged log-metric; ``delay`` and ``status`` shape every log-metric answer."""
    store = staticmethod(lambda step, value: value)
    delay, status = 0.0, 200
    runs: dict

    def log_message(self, *a):
        pass

    def _reply(self, status: int, obj) -> None:
        body = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        path = urlparse(self.path).path
        if path.endswith("/runs/create"):
            run_id = uuid.uuid4().hex
            self.runs[run_id] = []
            return self._reply(200, {"run": {"info": {"run_id": run_id}}})
        if path.endswith("/runs/log-metric"):
            time.sleep(self.delay)
            if self.status != 200:
                return self._reply(self.status, {"error_code": "INTERNAL_ERROR"})
            kept = self.store(body["step"], body["value"])
            if kept is not None:
                self.runs[body["run_id"]].append({"key": body["key"], "step": body["step"], "value": kept})
            return self._reply(200, {})
        if path.endswith("/runs/update") and hasattr(self, "ended"):
            self.ended[body["run_id"]] = body["status"]
            return self._reply(200, {})
        return self._reply(404, {"error_code": "ENDPOINT_NOT_FOUND"})

    def do_GET(self):
        q = parse_qs(urlparse(self.path).query)
        return self._reply(200, {"metrics": self.runs.get(q["run_id"][0], [])})


@contextmanager
def tracking_server(**behaviour):
    handler = type("H", (_Tracking,), {"runs": {}, **{k: (staticmethod(v) if callable(v) else v)
                                                        for k, v in behaviour.items()}})
    with serve(handler) as url:
        yield url


def _load(uri: str, values: int = 6) -> tuple[Writers, load.LoadResult]:
    w = Writers(uri, "0", writers=2, values=values, deadline_s=30, label="verdict")
    return w, verify(w.run(), uri)


def test_an_honest_server_loses_nothing():
    with tracking_server() as uri:
        _w, r = _load(uri)
    assert r.acknowledged == 12 and r.stored == 12 and r.lost == 0 and r.wrong_value == 0, r.summary()


def test_a_server_that_acknowledges_and_drops_writes_shows_them_lost():
    with tracking_server(store=lambda step, value: None if step % 3 == 0 else value) as uri:
        _w, r = _load(uri)
    assert r.acknowledged == 12, r.summary()  # every call answered 200 ...
    assert r.lost == 4 and r.stored == 8, r.summary()  # ... steps 0 and 3 of each run are not there


def test_a_server_that_stores_another_value_shows_it_lost():
    """The step is there, its value is not the one logged: that is a loss too (steps alone would pass)."""
    with tracking_server(store=lambda step, value: value + 1 if step == 5 else value) as uri:
        _w, r = _load(uri)
    assert r.stored == 12 and r.lost == 2 and r.wrong_value == 2, r.summary()
    assert "2 lost (2 with a wrong value)" in r.summary()


def _fault(w: Writers, r: load.LoadResult, window: tuple[float, float]) -> FaultResult:
    return FaultResult(r, fault_window=window, failed_calls=list(w.failed_calls))


def test_a_server_that_answers_errors_at_once_inside_the_fault_passes():
    with tracking_server(status=500) as uri:
        w, r = _load(uri, values=2)
    assert hang_problems(_fault(w, r, (0.0, 60.0))) == []


def test_a_server_that_hangs_is_a_problem_even_within_the_old_bound(monkeypatch):
    """A hang shows as the client's timeout. The old assertion, slowest_error_s <= REQUEST_TIMEOUT + 1,
    passed this run: the slowest failing call is the timeout itself."""
    monkeypatch.setattr(load, "REQUEST_TIMEOUT", 0.3)
    with tracking_server(delay=1.5) as uri:
        w, r = _load(uri, values=1)
    assert r.errors.get("timeout") == 2 and r.slowest_error_s <= load.REQUEST_TIMEOUT + 1
    problems = hang_problems(_fault(w, r, (0.0, 60.0)))
    assert len(problems) == 1 and "got no answer within the client's" in problems[0], problems


def test_a_server_that_answers_errors_slowly_is_a_problem(monkeypatch):
    monkeypatch.setattr(faults, "ERROR_BOUND_S", 0.2)
    with tracking_server(delay=0.5, status=500) as uri:
        w, r = _load(uri, values=1)
    assert "timeout" not in r.errors
    problems = hang_problems(_fault(w, r, (0.0, 60.0)))
    assert len(problems) == 1 and "kept its client waiting" in problems[0], problems


def test_errors_outside_the_fault_window_are_a_problem():
    with tracking_server(status=500) as uri:
        w, r = _load(uri, values=2)
    late = w.failed_calls[0][1] + 100  # a fault that starts after every failure
    problems = hang_problems(_fault(w, r, (late, late + 10)))
    assert len(problems) == 1 and f"{len(w.failed_calls)} call(s) failed outside the fault" in problems[0], problems


def test_a_fault_without_a_single_failure_is_a_problem():
    with tracking_server() as uri:
        w, r = _load(uri, values=1)
    assert hang_problems(_fault(w, r, (0.0, 60.0))) == ["no call failed: the fault did not happen while the "
                                                         "writers logged"]


def test_each_writer_ends_its_run_finished_or_failed_when_it_gave_up():
    """No run is left RUNNING: a writer that logged all its values ends its run FINISHED; one that gave up
    at its deadline (a server too slow to take its values) ends it FAILED."""
    ended: dict = {}
    with tracking_server(ended=ended) as url:
        _, r = _load(url)
    assert r.runs_ended == {"FINISHED": 2} and ended == {run: "FINISHED" for run in r.run_ids}, (r.runs_ended, ended)
    ended.clear()
    with tracking_server(ended=ended, delay=0.4) as url:
        r = Writers(url, "0", writers=2, values=50, deadline_s=1.0, label="late").run()
    assert r.acknowledged < 100 and r.runs_ended == {"FAILED": 2}, r
    assert ended == {run: "FAILED" for run in r.run_ids}, ended
