"""Every process's command line (/proc/*/cmdline), sampled in a thread while steps run.

A short-lived `curl` or `mlflow` started by a README block has exited before anything afterwards can
read /proc, so a scan at one moment misses exactly the commands most likely to carry a password. The
watch keeps each distinct command line it saw; the caller scans them once the secrets are known.
"""

from __future__ import annotations

import threading

from mlflow_labs.harness.process import processes


class CommandLineWatch:
    def __init__(self, interval: float = 0.1):
        self.interval = interval
        self.samples = 0
        self._seen: dict[str, str] = {}  # command line -> the first pid seen running it
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True, name="cmdline-watch")

    def sample(self) -> None:
        for p in processes():
            text = p.cmdline.strip()
            if text:
                with self._lock:
                    self._seen.setdefault(text, str(p.pid))
        self.samples += 1

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)

    def start(self) -> "CommandLineWatch":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)

    def seen(self) -> dict[str, str]:
        """'pid N command line' -> the command line, for every distinct command line sampled so far."""
        with self._lock:
            return {f"pid {pid} command line": text for text, pid in self._seen.items()}
