"""Processes: a background process in its own process group (logged, killed as a group), and the one
scan of the machine's processes (/proc), which every "what is running" question goes through."""

from __future__ import annotations

import os
import signal
import subprocess
from dataclasses import dataclass
from pathlib import Path

from mlflow_labs.errors import tail_file
from mlflow_labs.harness.signals import interrupts_held


def _like_a_terminal() -> None:
    """In the child before exec: Ctrl+C works as in a learner's terminal, even when this process was
    itself started in the background (where SIGINT is ignored, and would be inherited)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGQUIT, signal.SIG_DFL)


class BackgroundProcess:
    """Store the object before calling start() (`self.x = BackgroundProcess(...)`, then `self.x.start()`):
    an interrupt during start() then still leaves the caller something to stop().

    ``terminal=True``: SIGINT/SIGQUIT act as in a terminal (the learner replay's Ctrl+C);
    ``stdin_pipe=True``: the process reads what `write()` sends (the learner's long-lived shell)."""

    def __init__(self, args, *, log_path: Path, cwd=None, env=None, shell: bool = False,
                 terminal: bool = False, stdin_pipe: bool = False):
        self.args, self.log_path, self.cwd, self.env, self.shell = args, Path(log_path), cwd, env, shell
        self.terminal, self.stdin_pipe = terminal, stdin_pipe
        self.proc: subprocess.Popen | None = None

    def start(self) -> "BackgroundProcess":
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as log, interrupts_held():  # an interrupt finds self.proc set
            self.proc = subprocess.Popen(
                self.args, cwd=self.cwd, env=self.env, shell=self.shell, stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.PIPE if self.stdin_pipe else subprocess.DEVNULL,
                start_new_session=True,  # own group: stop() reaches uvicorn's workers too
                executable="/bin/bash" if self.shell else None,
                preexec_fn=_like_a_terminal if self.terminal else None,
            )
        return self

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc is not None else None

    @property
    def returncode(self) -> int | None:
        return self.proc.poll() if self.proc is not None else None

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def write(self, text: str) -> None:
        """Send ``text`` to the process's stdin (``stdin_pipe=True``)."""
        self.proc.stdin.write(text.encode())
        self.proc.stdin.flush()

    def close_stdin(self) -> None:
        """End of input (a shell reading it exits, as a closed terminal)."""
        try:
            if self.proc is not None:
                self.proc.stdin.close()
        except OSError:
            pass

    def wait(self, timeout: float) -> bool:
        """Whether the process ended within ``timeout`` seconds (one never started has)."""
        if self.proc is None:
            return True
        try:
            self.proc.wait(timeout=timeout)
            return True
        except subprocess.TimeoutExpired:
            return False

    def signal_group(self, sig) -> bool:
        """Send ``sig`` to the whole group; False when it is gone already (or never started)."""
        if self.proc is None:
            return False
        try:
            os.killpg(self.proc.pid, sig)
            return True
        except ProcessLookupError:
            return False

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


def kill_tree(proc: subprocess.Popen) -> None:
    """SIGKILL ``proc`` and every process under it, then reap ``proc``. A README block's `bash` killed
    alone would leave what it started (`python train.py`, `sleep`) running, and holding the pipes
    `communicate()` reads, so a timed-out block's output would wait for them."""
    below = []
    try:
        # imported here: .ci/run and the provisioning scripts import this module (through
        # infra/container_runtime.py) with the system's Python, before the venv with psutil exists
        import psutil  # noqa: PLC0415
    except ImportError:  # there, only the tool itself is killed
        psutil = None
    if psutil is not None:
        try:
            below = psutil.Process(proc.pid).children(recursive=True)
        except psutil.Error:
            pass
    proc.kill()  # first: a dead parent starts nothing more
    for p in below:
        try:
            p.kill()  # psutil checks it is still the same process (no pid reuse)
        except psutil.Error:
            pass
    proc.wait()


@dataclass
class ProcessInfo:
    pid: int
    cmdline: str                       # the arguments joined by spaces, as `ps` shows them to any user
    environ: list[bytes] | None = None  # KEY=value entries, when asked for and readable (our own user's)


def processes(*, environ: bool = False) -> list[ProcessInfo]:
    """Every process on this machine now (/proc), with its command line and, when ``environ``, its
    environment. A process that exits between the listing and the read is left out; so is one whose
    environment was asked for but is not ours to read."""
    found = []
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            cmdline = (d / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            env = (d / "environ").read_bytes().split(b"\0") if environ else None
        except OSError:
            continue
        found.append(ProcessInfo(int(d.name), cmdline, env))
    return found
