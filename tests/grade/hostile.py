"""Hostile servers on loopback: not mocks of MLflow, but what a learner's broken endpoint can really be.

  silent  accepts the connection and never answers
  drip    answers 200 to /health, then sends its body one byte every 0.2 s, forever
  html    answers every path with an HTML page (a web server, a proxy's login page)
  huge    answers /health 'OK', then every API call with an endless JSON-looking body
  echo    answers /health 'OK', then every API call with HTTP 403 echoing the credentials it was sent
          (decoded too): a server fishing for the instructor's password
  fifty   answers /health 'OK', then every API call with 50 MB of JSON (no Content-Length: read to find out)
  redirect  answers every path with a 302 to the same path on ``target`` (another learner's server)
  loop    answers every path with a 302 to itself
  record  answers /health 'OK' and every API call with '{}' (what it was asked is the point: see requests)
  fakeui  answers lab 5's REST questions (an experiment, two finished runs with an accuracy) and its page to
          a script, but a browser asking for a page gets no answer, ever: the browser waits
"""

from __future__ import annotations

import base64
import contextlib
import json
import threading

from tests.loopback import Handler, serve


def _run(n: int) -> dict:
    return {"info": {"run_id": f"r{n}", "run_uuid": f"r{n}", "run_name": f"run-{n}", "status": "FINISHED",
                     "start_time": n, "experiment_id": "1", "lifecycle_stage": "active"},
            "data": {"metrics": [{"key": "accuracy", "value": n / 10, "timestamp": 1, "step": 0}], "params": [], "tags": []}}


FAKE_API = {  # lab 5's REST questions, answered as an MLflow server would
    "/experiments/get-by-name": {"experiment": {"experiment_id": "1", "name": "wine-compare", "lifecycle_stage": "active"}},
    "/experiments/search": {"experiments": [{"experiment_id": "1", "name": "wine-compare", "lifecycle_stage": "active"}]},
    "/runs/search": {"runs": [_run(7), _run(8)]},
}

KINDS = ("silent", "drip", "html", "huge", "echo", "fifty", "loop", "record", "fakeui")  # + redirect, which needs a target
FIFTY_MB = 50 * 1024 * 1024


class HostileServer:
    """One hostile server of ``kind`` on a free loopback port, from entering until leaving; ``requests`` is
    what it was asked."""

    def __init__(self, kind: str, target: str = ""):
        assert kind in KINDS or kind == "redirect" and target, kind
        self.kind, self.target = kind, target
        self.stopping = threading.Event()
        self.requests: list[str] = []  # what was asked (paths and headers), for assertions
        self.uri, self.port = "", 0     # once entered
        self._served = contextlib.ExitStack()

    def __enter__(self):
        self.uri = self._served.enter_context(serve(self._handler()))
        self.port = int(self.uri.rsplit(":", 1)[1])
        return self

    def __exit__(self, *exc):
        self.stopping.set()  # first: a handler waiting or streaming ends, so the server can shut down
        self._served.close()

    def _handler(self):
        outer = self

        class Hostile(Handler):
            def _answer(self):
                outer.requests.append(f"{self.command} {self.path} {dict(self.headers)}")
                # read the request's body first: a socket closed with unread input is reset (RST), and the
                # reset can discard the end of a long answer before the grader has read it (seen: 'truncated')
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                try:
                    self._hostile()
                except OSError:
                    pass  # the grader hung up on us: that is the point

            def _hostile(self):
                api = "/api/" in self.path
                if outer.kind == "silent":
                    outer.stopping.wait(600)
                elif outer.kind in ("redirect", "loop"):
                    self.send_response(302)
                    self.send_header("Location", (outer.target if outer.kind == "redirect" else outer.uri) + self.path)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                elif outer.kind == "fakeui":
                    if "Mozilla" in self.headers.get("User-Agent", ""):
                        outer.stopping.wait(600)  # a browser: the page never comes
                        return
                    path = self.path.split("?")[0].removeprefix("/api/2.0/mlflow")
                    answer = FAKE_API.get(path, {}) if api else None
                    self.send(200, json.dumps(answer).encode() if answer is not None else b"OK" if path == "/health" else
                              b'<!doctype html><html><body><div id="root"></div></body></html>', None)
                elif outer.kind == "record" or outer.kind == "fifty" and not api:
                    self.send(200, b"{}" if api else b"OK", None)
                elif outer.kind == "fifty":
                    self._stream(b'{"name": "x", "experiment_id": "1"},' * 1000, FIFTY_MB)
                elif outer.kind == "html":
                    self.send(200, b"<!doctype html><html><body><h1>Welcome to nginx!</h1></body></html>", "text/html")
                elif outer.kind == "drip":
                    self.send_response(200)
                    self.send_header("Content-Type", "text/plain")
                    self.end_headers()
                    while not outer.stopping.wait(0.2):
                        self.wfile.write(b"O")
                        self.wfile.flush()
                elif outer.kind == "echo":
                    sent = self.headers.get("Authorization", "")
                    decoded = base64.b64decode(sent.split()[-1]).decode() if sent.startswith("Basic ") else ""
                    self.send(403 if api else 200,
                              f"forbidden; you sent {sent!r}, that is {decoded!r}".encode() if api else b"OK", None)
                elif outer.kind == "huge":
                    if not api:
                        return self.send(200, b"OK")
                    self._stream(b'{"name": "x", "experiment_id": "1"},' * 2000)

            def _stream(self, block: bytes, most: int | None = None):
                """A JSON-looking list of experiments with no Content-Length: ``most`` bytes of it, or until
                the server stops."""
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"experiments": [')
                sent = 0
                while (most is None or sent + len(block) <= most) and not outer.stopping.is_set():
                    self.wfile.write(block)
                    sent += len(block)
                self.wfile.write(b'{}]}')

            do_GET = do_POST = _answer

        return Hostile
