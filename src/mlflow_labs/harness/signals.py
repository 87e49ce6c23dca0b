"""SIGTERM handled like Ctrl-C, so every `finally` teardown runs.

A CI timeout, `timeout(1)` or `kill` sends SIGTERM. Python's default for it is to die on the spot, and
the servers that README background blocks started (in their own session, so that one Ctrl-C does not
hit them twice) would outlive the harness. Raised as KeyboardInterrupt instead, the signal unwinds
through the LabRun's and the fixtures' cleanup exactly as Ctrl-C does.
"""

from __future__ import annotations

import signal
import threading
from contextlib import contextmanager
from typing import Iterator


def terminate_like_interrupt() -> None:
    """Install the handler (main thread only; never over a handler someone else installed)."""
    if threading.current_thread() is not threading.main_thread():
        return
    if signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
        return

    def handler(signum, frame):
        signal.signal(signal.SIGTERM, signal.SIG_DFL)  # a second SIGTERM ends the process at once
        raise KeyboardInterrupt("SIGTERM")

    signal.signal(signal.SIGTERM, handler)


@contextmanager
def interrupts_held() -> Iterator[None]:
    """Ctrl-C or SIGTERM arriving inside the block is raised when the block ends, not in the middle.

    Around starting a process: an interrupt raised inside `subprocess.Popen` (while it waits for the
    child's exec) leaves a child that no variable names, so no teardown can stop it. Held until the
    Popen object is stored, the same interrupt finds it and the caller's cleanup stops it."""
    if threading.current_thread() is not threading.main_thread():
        yield  # signal handlers run in the main thread only; nothing to hold here
        return
    held: list[int] = []
    before = {}
    try:
        for sig in (signal.SIGTERM, signal.SIGINT):
            before[sig] = signal.getsignal(sig)
            signal.signal(sig, lambda signum, frame: held.append(signum))
        yield
    finally:
        for sig, handler in before.items():
            signal.signal(sig, handler)
        if held:
            signal.raise_signal(held[0])  # now, to the handler that was in place (KeyboardInterrupt)
