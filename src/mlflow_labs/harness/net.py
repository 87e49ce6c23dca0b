"""Ports and the one wait helper (`wait_until`; `wait_http` on it) shared by every piece of infra."""

from __future__ import annotations

import socket
import time
from typing import Callable, TypeVar

import requests

from mlflow_labs.errors import LabError, StartupError

T = TypeVar("T")


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


def wait_until(probe: Callable[[], tuple[T | None, str]], *, timeout: float, what: str, interval: float = 1.0,
               progress: Callable[[str], None] | None = None, on_timeout: Callable[[str], str] | None = None,
               clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep) -> T:
    """The one polling loop: call ``probe`` until it returns a value that is not None.

    ``probe`` returns (value or None, a description of the state now); the state goes into progress
    lines and the timeout's StartupError, so a timeout says what was seen, not just "timed out".
    A probe that knows waiting is hopeless (the process died) raises StartupError, which ends the
    wait at once; any other exception is a state (an API hiccup while things settle).
    ``on_timeout(last_state)`` writes the timeout's message (default: what, how long, last state).
    """
    start = clock()
    next_note = start + 10
    state = "not checked yet"
    while True:
        try:
            value, state = probe()
        except StartupError:
            raise
        except Exception as exc:  # noqa: BLE001 - a state, not a failure
            value, state = None, f"{type(exc).__name__}: {str(exc)[:200]}"
        if value is not None:
            return value
        now = clock()
        if now - start >= timeout:
            raise StartupError(on_timeout(state) if on_timeout else
                               f"Timed out after {timeout:.0f} s waiting for {what}. Last state: {state}")
        if progress and now >= next_note:
            progress(f"waiting for {what} ({now - start:.0f} s): {state}")
            next_note = now + 10
        sleep(interval)


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
    tail = lambda: log() if log else "(no log)"  # noqa: E731

    def probe():
        if alive is not None and not alive():
            raise StartupError(f"{what} exited during start-up before {url} answered.\nLast lines of its log:\n{tail()}")
        try:
            r = requests.get(url, timeout=3)
        except requests.RequestException as exc:
            return None, type(exc).__name__
        if r.status_code == 200 and (expect is None or expect in r.text):
            return True, "answered"
        return None, f"HTTP {r.status_code}: {r.text[:200]}"

    wait_until(probe, timeout=timeout, what=f"{what} at {url}", interval=0.5, progress=progress,
               on_timeout=lambda last: f"{what} did not answer {url} within {timeout:.0f} s (last: {last}).\n"
                                       f"Last lines of its log:\n{tail()}")
