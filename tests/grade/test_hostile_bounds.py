"""A bound is a kill, and a redirect is not followed: `mlflow-labs grade` against servers that drip forever,
answer 50 MB, send the grader to another learner's server, or to themselves in a loop. Each is one row
saying so; no credential reaches another host; afterwards nothing of the grader is left running (no
worker, no thread, no socket), and a dead shared server costs its one probe, not a bound per learner."""

from __future__ import annotations

import threading
import time
import tracemalloc

import psutil
import pytest

from mlflow_labs.cli import main
from mlflow_labs.harness.client import TrackingClient, bounded

from .classes import grade
from .classroom import log_lab1
from .conftest import write_roster
from .hostile import FIFTY_MB, HostileServer

pytestmark = pytest.mark.grade

SECRET = "netrc-Secret-for-mallory-7"
BOUND = 8


@pytest.fixture(scope="module")
def redirectors(class_server, hostile):
    """mallory's server redirects to the class server (where alice's work is); trent's to another host
    (localhost, not 127.0.0.1) where a server records what reaches it; loop's to itself."""
    log_lab1(class_server.uri, "alice-hostile", "complete")
    recorder = hostile["record"]
    with HostileServer("redirect", target=class_server.uri) as mallory, \
            HostileServer("redirect", target=recorder.uri.replace("127.0.0.1", "localhost")) as trent:
        yield mallory, trent, recorder


@pytest.fixture(scope="module")
def graded(redirectors, hostile, tmp_path_factory):
    mallory, trent, recorder = redirectors
    work = tmp_path_factory.mktemp("grade-hostile")
    (work / "trent.netrc").write_text(f"machine 127.0.0.1 login trent password {SECRET}\n"
                                      f"machine localhost login trent password {SECRET}\n")
    (work / "trent.netrc").chmod(0o600)
    asked = len(recorder.requests)
    rows = [{"learner": "drip", "tracking_uri": hostile["drip"].uri},
            {"learner": "fifty", "tracking_uri": hostile["fifty"].uri},
            {"learner": "mallory", "tracking_uri": mallory.uri, "experiment": "alice-hostile"},
            {"learner": "trent", "tracking_uri": trent.uri, "netrc": "trent.netrc"},
            {"learner": "loop", "tracking_uri": hostile["loop"].uri}]
    result = grade("lab1", rows, work, bound=BOUND)  # the default answer size bound (16 MB)
    return result, recorder.requests[asked:]


EXPECT = {
    "drip": "when the time bound ran out",
    "fifty": "more than 16777216 bytes, over the bound",
    "mallory": "answered HTTP 302, a redirect to http://127.0.0.1:",
    "trent": "answered HTTP 302, a redirect to http://localhost:",
    "loop": "(itself: a redirect loop)",
}


def test_each_hostile_server_is_one_error_row(graded):
    result, _ = graded
    assert result.proc.returncode == 1, result.why()
    assert "Traceback" not in result.proc.stderr
    for learner, words in EXPECT.items():
        row = result.rows[learner]
        assert row["status"] == "ERROR" and words in row["detail"], (learner, row["detail"])
    assert "which was not followed" in result.rows["mallory"]["detail"]


def test_no_credential_reaches_another_host(graded):
    result, reached = graded
    assert reached == [], f"the redirect's target was asked: {reached}"
    shown = [result.proc.stdout, result.proc.stderr] + [f.read_text() for f in result.out.iterdir() if f.is_file()]
    assert not any(SECRET in text for text in shown)


def test_nothing_is_left_running(graded):
    result, _ = graded
    assert result.left == [], result.left


def test_a_large_answer_is_held_once(hostile):
    """Read under a 64 MB bound, the 50 MB answer is held in one buffer (the old reader joined a list of
    chunks: twice the answer at its peak)."""
    client = TrackingClient(hostile["fifty"].uri, timeout=60)
    tracemalloc.start()
    try:
        with bounded(deadline=time.monotonic() + 120, max_bytes=64 * 1024 * 1024):
            r = client._request("POST", "/api/2.0/mlflow/experiments/search", json={})
        size = len(r.content)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert size > 0.99 * FIFTY_MB
    assert peak < 1.4 * size, f"peak {peak / 2**20:.0f} MiB for a {size / 2**20:.0f} MiB answer"


def own_threads() -> set[str]:
    """This process's threads but the hostile servers' (each connection to them is a thread of theirs here)."""
    return {t.name for t in threading.enumerate() if "process_request_thread" not in t.name}


def test_in_process_grade_leaves_no_thread_socket_or_child(hostile, tmp_path, capsys):
    """The grading process itself: what it had before, it has after; its workers (and their connections) are gone."""
    me = psutil.Process()
    ports = {hostile[k].port for k in ("silent", "drip", "loop")}
    threads, children = own_threads(), {c.pid for c in me.children(recursive=True)}
    roster = write_roster(tmp_path / "roster.csv", [{"learner": k, "tracking_uri": hostile[k].uri}
                                                    for k in ("silent", "drip", "loop")])
    assert main(["grade", "lab1", "--roster", roster, "--out", str(tmp_path / "out"), "--time-bound", "4"]) == 1
    capsys.readouterr()
    assert own_threads() == threads
    assert {c.pid for c in me.children(recursive=True)} == children
    mine = [c for c in me.net_connections(kind="tcp") if c.raddr and c.raddr.port in ports]
    assert mine == [], mine


def test_a_hung_shared_server_is_asked_once_for_all_its_learners(tmp_path):
    """200 learners on one server that never answers: one probe (one request), then 200 rows saying so
    (scripts/bench times it against the issue's target, 2x the time bound)."""
    with HostileServer("silent") as silent:
        rows = [{"learner": f"l{i:03d}", "tracking_uri": silent.uri, "experiment": f"l{i:03d}"} for i in range(200)]
        result = grade("lab1", rows, tmp_path, bound=30)
        asked = list(silent.requests)
    assert result.proc.returncode == 1, result.why()
    assert {r["status"] for r in result.rows.values()} == {"ERROR"}
    assert all("did not answer /health within" in r["detail"] for r in result.rows.values())
    assert len(asked) == 1 and asked[0].startswith("GET /health"), asked
    assert result.left == []


def test_a_browser_is_stopped_at_the_bound(hostile, tmp_path):
    """Lab 5 checks through Chromium. A server whose page never comes keeps the browser waiting (a page load
    may take a minute): at the bound the worker is killed, and its browser with it (Playwright starts the
    browser as a process group of its own: the kill finds it by what it inherited)."""
    import subprocess
    import sys

    from .classes import Graded, left_running

    tag = "browser-" + tmp_path.name
    roster = write_roster(tmp_path / "roster.csv", [{"learner": "vera", "tracking_uri": hostile["fakeui"].uri}])
    proc = subprocess.Popen([sys.executable, "-m", "mlflow_labs.cli", "grade", "lab5", "--roster", roster, "--out",
                             str(tmp_path / "out"), "--time-bound", "20"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env={**__import__("os").environ, "GRADE_TEST_TAG": tag})
    browsers = set()
    while proc.poll() is None:  # what ran under grade, seen while it ran
        browsers |= {p for p in left_running(tag) if "chrom" in p.split(":", 1)[1].split()[0]}
        time.sleep(0.5)
    out, err = proc.communicate()
    graded = Graded(subprocess.CompletedProcess(proc.args, proc.returncode, out, err), tmp_path / "out", tag)
    row = graded.rows["vera"]
    assert browsers, "no browser ran: the test proves nothing"
    assert row["status"] == "ERROR" and "no verdict within the 20 s time bound: the check '" in row["detail"], dict(row)
    assert "killed at the 20 s time bound" in row["detail"] and row["first_failure"], row
    assert row["the experiment holds finished runs with the metric to compare"] == "PASS", row  # what ran first, kept
    assert graded.left == [], graded.left
