"""Tiny hostile HTTP servers for the bad-input tests. They model servers that misbehave (slow, HTML,
500s, a truncated body, a booby-trapped model.pkl), which a real MLflow server cannot be made to do."""

from __future__ import annotations

import json
import time
from contextlib import contextmanager
from urllib.parse import urlparse

from tests.loopback import Handler, serve


class _Handler(Handler):
    behaviour = "ok"
    routes: dict = {}  # path -> (status, content type, bytes)

    def _answer(self):
        path = urlparse(self.path).path
        n = int(self.headers.get("Content-Length") or 0)
        if n:
            self.rfile.read(n)
        b = self.behaviour
        if b == "slow":
            time.sleep(120)  # longer than any client timeout; the server thread is a daemon
            return
        if b == "html":
            return self.send(200, b"<html><body><h1>Welcome to nginx!</h1></body></html>", "text/html")
        if b == "500":
            return self.send(500, b"Internal Server Error")
        if b == "truncated":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "4096")  # promises 4 KiB, sends 3 bytes, closes
            self.end_headers()
            self.wfile.write(b'{"e')
            self.wfile.flush()
            self.close_connection = True
            return
        status, ctype, body = self.routes.get(path, (404, "application/json", b'{"error_code": "ENDPOINT_NOT_FOUND"}'))
        return self.send(status, body, ctype)

    do_GET = do_POST = _answer


@contextmanager
def fake_server(behaviour: str = "ok", routes: dict | None = None):
    with serve(type("H", (_Handler,), {"behaviour": behaviour, "routes": routes or {}})) as url:
        yield url


def as_json(obj) -> tuple[int, str, bytes]:
    return (200, "application/json", json.dumps(obj).encode())
