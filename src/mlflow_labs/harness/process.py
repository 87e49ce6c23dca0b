"""A background process in its own process group, logging to a file, killed as a group."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

from mlflow_labs.errors import tail_file


class BackgroundProcess:
    def __init__(self, args, *, log_path: Path, cwd=None, env=None, shell: bool = False):
        self.args, self.log_path, self.cwd, self.env, self.shell = args, Path(log_path), cwd, env, shell
        self.proc: subprocess.Popen | None = None

    def start(self) -> "BackgroundProcess":
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            self.args, cwd=self.cwd, env=self.env, shell=self.shell, stdout=log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True,  # own group: stop() reaches uvicorn's workers too
            executable="/bin/bash" if self.shell else None,
        )
        log.close()
        return self

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    @staticmethod
    def group_alive(pgid: int) -> bool:
        """Whether any process of the group ``pgid`` (a stopped server's uvicorn workers too) still exists."""
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True

    def log_tail(self, lines: int = 25) -> str:
        return tail_file(self.log_path, lines)

    def stop(self, timeout: float = 15, sig=signal.SIGTERM) -> None:
        """Signal the whole group, wait, then SIGKILL what is left."""
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, sig)
        except ProcessLookupError:
            pass
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            pass
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        self.proc = None

    def kill(self) -> None:
        self.stop(timeout=0, sig=signal.SIGKILL)
