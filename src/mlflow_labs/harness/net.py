"""Ports and HTTP readiness waits shared by every piece of infra."""

from __future__ import annotations

import socket
import time
from typing import Callable

import requests

from mlflow_labs.harness.errors import LabError, StartupError


def free_port() -> int:
    """A TCP port nobody listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_in_use(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(0.5)
        return s.connect_ex((host, port)) == 0


def ensure_port_free(port: int, what: str = "the server") -> None:
    """Fail at once, naming the port, rather than letting a server hang or die obscurely."""
    if port_in_use(port):
        raise LabError(
            f"Port {port} is already in use, so {what} cannot listen on it. "
            f"Stop whatever holds it (`lsof -i :{port}` or `ss -ltnp | grep {port}` shows it) "
            f"or choose another port."
        )


def wait_http(
    url: str,
    *,
    timeout: float,
    what: str,
    alive: Callable[[], bool] | None = None,
    log: Callable[[], str] | None = None,
    expect: str | None = None,
    progress: Callable[[str], None] | None = None,
) -> None:
    """Poll ``url`` until it answers 200 (and contains ``expect``), or raise StartupError.

    ``alive`` reports whether the process behind it still runs: a dead server fails fast
    instead of waiting out the timeout. ``log`` supplies its log tail for the error.
    """
    start = time.monotonic()
    next_note = start + 10
    last = "no answer yet"
    while True:
        if alive is not None and not alive():
            raise StartupError(
                f"{what} exited during start-up before {url} answered.\n"
                f"Last lines of its log:\n{log() if log else '(no log)'}"
            )
        try:
            r = requests.get(url, timeout=3)
            if r.status_code == 200 and (expect is None or expect in r.text):
                return
            last = f"HTTP {r.status_code}: {r.text[:200]}"
        except requests.RequestException as exc:
            last = type(exc).__name__
        now = time.monotonic()
        if now - start > timeout:
            raise StartupError(
                f"{what} did not answer {url} within {timeout:.0f} s (last: {last}).\n"
                f"Last lines of its log:\n{log() if log else '(no log)'}"
            )
        if progress and now >= next_note:
            progress(f"waiting for {what} at {url} ({now - start:.0f} s)")
            next_note = now + 10
        time.sleep(0.5)
