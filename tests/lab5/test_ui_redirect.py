"""Lab 5's first look at the learner's web UI (GET /) follows no redirect: a server whose UI page sends the
checker on to another server (a classmate's, or itself in a loop) is the learner's error, naming where it
pointed, and the other server is never asked (every request of the checks does the same: harness/client.py)."""

from __future__ import annotations

import http.server
import json
import os
import subprocess
import sys
import threading
from contextlib import contextmanager

import pytest

pytestmark = pytest.mark.lab5


class _Mlflowish(http.server.BaseHTTPRequestHandler):
    """MLflow's tracking API (health, version, an empty search); GET / redirects to ``location`` ("": itself),
    or with no location serves a page as MLflow's UI does (the classmate's server)."""

    location: str | None = None  # set per server
    asked: list[str]

    def _send(self, code: int, body: bytes, headers: dict | None = None):
        self.send_response(code)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):  # noqa: N802 (http.server's naming)
        self.asked.append(f"GET {self.path}")
        if self.path == "/health":
            return self._send(200, b"OK")
        if self.path == "/version":
            return self._send(200, b"3.17.2")
        if self.location is None:
            return self._send(200, b'<html><body><div id="root"></div></body></html>', {"Content-Type": "text/html"})
        where = self.location or f"http://127.0.0.1:{self.server.server_port}/"
        self._send(302, b"<a>elsewhere</a>", {"Location": where})

    def do_POST(self):  # noqa: N802
        self.asked.append(f"POST {self.path}")
        self._send(200, json.dumps({"experiments": []}).encode(), {"Content-Type": "application/json"})

    def log_message(self, *a):
        pass


@contextmanager
def _server(location: str | None = None):
    asked: list[str] = []
    handler = type("Handler", (_Mlflowish,), {"location": location, "asked": asked})
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}", asked
    finally:
        httpd.shutdown()
        httpd.server_close()


def _check(uri: str, tmp_path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mlflow_labs.cli", "check", "lab5", "--tracking-uri", uri],
                          capture_output=True, text=True, timeout=300,
                          env={**os.environ, "MLFLOW_LABS_REPORTS": str(tmp_path)})


def _one_line(p: subprocess.CompletedProcess) -> str:
    assert p.returncode == 2, (p.returncode, p.stdout, p.stderr)
    assert "Traceback" not in p.stderr and p.stdout.count("PASS") == 0, p.stdout + p.stderr
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1, p.stderr
    return lines[0]


def test_a_ui_page_redirecting_to_a_classmates_server_is_the_learners_error(need_browser, tmp_path):
    with _server() as (classmate, classmate_asked), _server(location=f"{classmate}/") as (learner, _):
        line = _one_line(_check(learner, tmp_path))
    assert f"{learner}/ answered HTTP 302, a redirect to {classmate}/" in line, line
    assert "which was not followed" in line, line
    assert classmate_asked == [], f"the classmate's server was asked: {classmate_asked}"


def test_a_ui_page_redirecting_to_itself_is_named_a_loop(need_browser, tmp_path):
    with _server(location="") as (learner, asked):
        line = _one_line(_check(learner, tmp_path))
    assert "a redirect loop" in line, line
    assert asked.count("GET /") == 1, asked  # asked once, not followed round the loop
