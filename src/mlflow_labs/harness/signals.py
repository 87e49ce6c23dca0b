"""SIGTERM handled like Ctrl-C, so every `finally` teardown runs.

A CI timeout, `timeout(1)` or `kill` sends SIGTERM. Python's default for it is to die on the spot, and
the servers that README background blocks started (in their own session, so that one Ctrl-C does not
hit them twice) would outlive the harness. Raised as KeyboardInterrupt instead, the signal unwinds
through the LabRun's and the fixtures' cleanup exactly as Ctrl-C does.
"""

from __future__ import annotations

import signal
import threading


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
