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
