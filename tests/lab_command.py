"""`mlflow-labs run LAB` as ONE command, as a learner or CI types it, run once per test session: the lab's
one run per path. Tests read what it left: its exit status, its output, its report (reports/LAB.json) and,
with --keep-infra, its servers, until the session ends and `stop_kept` stops them.

Every process the command starts inherits its own reports dir (MLFLOW_LABS_REPORTS), a marker that tells its
processes from anything else on the machine: what it left running is found by that marker."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from mlflow_labs.harness.report import Report, Row

COMMAND_TIMEOUT_S = 3600  # bounded, then the command's process group is killed


@dataclass
class CommandRun:
    """What `mlflow-labs run LAB` left behind: its exit status, its terminal output, its report
    (reports/LAB.json) and the processes of its own still running right after it exited."""
    lab: str
    returncode: int | None
    output: str
    reports: Path
    report: dict = field(default_factory=dict)
    left_running: list[str] = field(default_factory=list)

    @property
    def figures(self) -> dict:
        return self.report.get("figures") or {"load": [], "faults": [], "schema": [], "hosts": []}

    def why(self) -> str:
        """For an assertion message: the exit status and the end of what the learner saw."""
        return f"`mlflow-labs run {self.lab}` exited {self.returncode}; its output ended:\n{self.output[-3000:]}"

    def rows(self, where: str | None = None) -> list[dict]:
        """The report's rows (README steps and checks), those of ``where`` (e.g. "lab1/checks.py") if given."""
        return [s for s in self.report.get("steps", []) if where is None or s["where"] == where]

    def as_report(self) -> Report:
        """The report as the plugin's table and reports/LAB.json show it at the end of the session."""
        d = self.report
        return Report(d["lab"], rows=[Row(**s) for s in d["steps"]], phases=d["phases"], substitutions=d["substitutions"],
                      started=d["started"], error=d["error"], files=d["files"], figures=d.get("figures") or {})

    def kept(self, what: str) -> str:
        """What --keep-infra said it left (`server at URI`, `work dir PATH`): the value after ``what``."""
        m = re.search(rf"left running: .*?{re.escape(what)} (\S+?)[,)\s]", self.output + " ")
        assert m, f"`mlflow-labs run {self.lab} --keep-infra` did not say its {what}:\n{self.output[-2000:]}"
        return m.group(1)


def own_processes(marker: str) -> list[tuple[int, str]]:
    """(pid, command line) of the processes whose command line or environment names ``marker`` (the command's
    own reports dir, which every process it starts inherits): what it started and left running."""
    mark = marker.encode()
    found = []
    for d in os.listdir("/proc"):
        if not d.isdigit() or int(d) == os.getpid():
            continue
        try:
            env = open(f"/proc/{d}/environ", "rb").read()
            cmd = open(f"/proc/{d}/cmdline", "rb").read()
        except OSError:
            continue
        if mark in env or mark in cmd:
            found.append((int(d), cmd.replace(b"\0", b" ").decode(errors="replace")[:120]))
    return found


def run_streaming(args: list[str], env: dict, progress, timeout: float = COMMAND_TIMEOUT_S,
                  prefix: str = "") -> tuple[int | None, str]:
    """(exit status, or None when killed at ``timeout``; the whole output), each line shown as it comes. The
    output is read in a thread: a process the command left running may hold the pipe open, and must not
    keep this waiting once the command itself has exited."""
    proc = subprocess.Popen(args, env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, start_new_session=True)
    lines: list[str] = []

    def pump() -> None:
        for line in proc.stdout:
            lines.append(line)
            progress(f"{prefix}{line.rstrip()[:160]}")

    reader = threading.Thread(target=pump, daemon=True)
    reader.start()
    try:
        returncode = proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:  # bounded: its whole process group goes
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        returncode, lines = None, [*lines, f"\n(killed after {timeout:.0f} s)"]
    except BaseException:  # Ctrl-C / SIGTERM of the test session: the command goes with it
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(60)
        raise
    reader.join(10)
    return returncode, "".join(lines)


def run_lab(lab: str, reports: Path, progress, *args: str, timeout: float = COMMAND_TIMEOUT_S) -> CommandRun:
    """`mlflow-labs run LAB [ARGS]` with its report in ``reports`` (a folder of its own: the marker)."""
    env = {**os.environ, "MLFLOW_LABS_REPORTS": str(reports), "PYTHONUNBUFFERED": "1"}
    started = time.monotonic()
    returncode, output = run_streaming([sys.executable, "-m", "mlflow_labs.cli", "run", lab, *args], env, progress,
                                       timeout, prefix=f"run {lab}: ")
    # what is still running is looked at the moment it exited, before anything else could clean up
    result = CommandRun(lab, returncode, output, reports,
                        left_running=[f"pid {pid}: {cmd}" for pid, cmd in own_processes(str(reports))])
    path = reports / f"{lab}.json"
    if path.exists():
        result.report = json.loads(path.read_text())
    progress(f"mlflow-labs run {lab} exited {returncode} after {time.monotonic() - started:.0f} s")
    return result


def stop_kept(run: CommandRun, grace: float = 30) -> None:
    """Stop what `--keep-infra` left (every process carrying the run's marker: SIGTERM, then SIGKILL) and remove
    the work dir it named."""
    procs = own_processes(str(run.reports))
    for pid, _ in procs:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and any(Path(f"/proc/{pid}").exists() for pid, _ in procs):
        time.sleep(0.2)
    for pid, _ in own_processes(str(run.reports)):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    workdir = re.search(r"left running: .*?work dir (\S+)", run.output)
    if workdir and Path(workdir.group(1)).name.startswith(f"{run.lab}-"):
        shutil.rmtree(workdir.group(1), ignore_errors=True)
