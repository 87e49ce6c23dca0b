"""A small HTTP server on 127.0.0.1 for a test: the faulty, hostile or not-MLflow counterpart a test
needs (never a stand-in for what a lab claims). Serves in a daemon thread; always shut down."""

from __future__ import annotations

import http.server
import threading
from contextlib import contextmanager


@contextmanager
def serve(handler):
    """Yield the base URL of ``handler`` served on a free loopback port."""
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}"
    finally:
        httpd.shutdown()
        httpd.server_close()


class Handler(http.server.BaseHTTPRequestHandler):
    """A quiet request handler (nothing on the test's stderr) with one way to answer in full."""

    def log_message(self, *args):
        pass

    def send(self, status: int, body: bytes, ctype: str | None = "text/plain") -> None:
        """``body`` with its Content-Length (and ``ctype``, unless None) under ``status``."""
        self.send_response(status)
        if ctype:
            self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class NotMlflow(Handler):
    """Some other web app on the port the learner typed: every GET, /health too, is a 200 HTML page."""

    def do_GET(self):  # noqa: N802 (http.server's naming)
        self.send(200, b"<html>some other web app</html>", "text/html")
