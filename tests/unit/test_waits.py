"""The one wait helper (harness.net.wait_until, wait_http on it) against a real process and real HTTP
on loopback: ready only when /health answers, a dead process fails at once with its log, an unhealthy
server times out naming its last answer."""

from __future__ import annotations

import sys
import textwrap

import pytest
import requests

from mlflow_labs.errors import StartupError
from mlflow_labs.harness.net import free_port, wait_http, wait_until
from mlflow_labs.harness.process import BackgroundProcess

pytestmark = pytest.mark.unit

SERVER = textwrap.dedent("""
    import http.server, sys, time
    delay, code = float(sys.argv[2]), int(sys.argv[3])
    print("starting on %s" % sys.argv[1], flush=True)
    time.sleep(delay)
    class H(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(code if self.path == "/health" else 404)
            self.end_headers()
            self.wfile.write(b"OK")
        def log_message(self, *a):
            pass
    http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
""")


def server(tmp_path, port, delay, code) -> BackgroundProcess:
    script = tmp_path / "server.py"
    script.write_text(SERVER)
    return BackgroundProcess([sys.executable, str(script), str(port), str(delay), str(code)],
                             log_path=tmp_path / "server.log").start()


def test_ready_only_when_health_answers(tmp_path):
    port = free_port()
    proc = server(tmp_path, port, delay=1.5, code=200)
    try:
        wait_http(f"http://127.0.0.1:{port}/health", timeout=30, what="the test server", alive=proc.alive,
                  log=proc.log_tail)
        # wait_http returned: /health must answer now, not merely the process be running
        assert requests.get(f"http://127.0.0.1:{port}/health", timeout=5).text == "OK"
    finally:
        proc.stop()


def test_a_process_that_dies_fails_fast_with_its_log(tmp_path):
    proc = BackgroundProcess([sys.executable, "-c", "import sys; print('error: no such service', file=sys.stderr); "
                                                    "sys.exit(1)"], log_path=tmp_path / "dead.log").start()
    with pytest.raises(StartupError, match=r"exited during start-up[\s\S]*error: no such service"):
        wait_http(f"http://127.0.0.1:{free_port()}/health", timeout=60, what="the test server", alive=proc.alive,
                  log=proc.log_tail)


def test_an_unhealthy_server_times_out_naming_its_last_answer(tmp_path):
    port = free_port()
    proc = server(tmp_path, port, delay=0, code=503)
    try:
        with pytest.raises(StartupError, match=r"did not answer .*/health within 3 s \(last: HTTP 503"):
            wait_http(f"http://127.0.0.1:{port}/health", timeout=3, what="the test server", alive=proc.alive,
                      log=proc.log_tail)
    finally:
        proc.stop()


def test_a_probe_raising_startup_error_ends_the_wait_at_once():
    calls = []

    def probe():
        calls.append(1)
        raise StartupError("the process is gone")
    with pytest.raises(StartupError, match="the process is gone"):
        wait_until(probe, timeout=600, what="x", sleep=lambda s: pytest.fail("it waited"))
    assert calls == [1]
