"""Lab 6 fixtures, two per session:

- `lab_command`: `mlflow-labs run lab6` as ONE command, as a learner or CI types it (README, checks, load on
  SQLite and PostgreSQL, the schema race, both faults, the Host header). It runs once; the load, fault and
  Host-header tests read its report's figures, and test_8 holds the command itself to exit 0, a figure for
  every row of the README's table and nothing left running. (The measurement used to run twice: once
  phase by phase in the session fixture, once more as this command.)
- `lab`: the README run alone on a server kept up for the session (access control probed live, the secret
  scan, the README's load runs read back). Its report is printed and written as reports/lab6-readme.json.

Either is started only by the tests that need it; the tests pass in any order (`--reverse`)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field

import pytest

from mlflow_labs import plugin
from mlflow_labs.infra import docker_engine
from mlflow_labs.harness import leaks
from mlflow_labs.harness.report import Report, Row
from mlflow_labs.lab6.scenario import Lab6Run

COMMAND_TIMEOUT_S = 3600  # the whole measurement; bounded, then the command's process group is killed


@pytest.fixture(scope="session")
def lab(request, progress, keep_infra):
    """The README run (access control, a load run, the Host header), secrets read from its env file."""
    messages: list[str] = []

    def say(msg: str) -> None:  # what a learner's terminal shows; kept for the secret scan
        messages.append(msg)
        progress(msg)

    run = Lab6Run(progress=say, keep=keep_infra)
    run.messages = messages
    # its table + reports/lab6-readme.json at the end (reports/lab6.json is the one command's, figures and all)
    run.report.lab, run.report.figures = "lab6-readme", {}
    request.config.stash[plugin._REPORTS].append(run.report)
    try:
        with run.phase("setup"):
            run.setup()
        run.run_readme()
        yield run
    finally:
        run.close()
        docker_engine.cleanup(docker_engine.SESSION)
    # whatever order the tests ran in, every command line of the whole session is scanned once it is over
    hits = leaks.found_in(run.secrets, run.watch.seen())
    if hits:
        pytest.fail(f"a secret was on a process's command line during the lab 6 session: {hits}")


@dataclass
class CommandRun:
    """What `mlflow-labs run lab6` left behind: its exit status, its terminal output, its report
    (reports/lab6.json) and the processes of its own still running right after it exited."""
    returncode: int | None
    output: str
    report: dict = field(default_factory=dict)
    left_running: list[str] = field(default_factory=list)

    @property
    def figures(self) -> dict:
        return self.report.get("figures") or {"load": [], "faults": [], "schema": [], "hosts": []}

    def why(self) -> str:
        """For an assertion message: the exit status and the end of what the learner saw."""
        return f"`mlflow-labs run lab6` exited {self.returncode}; its output ended:\n{self.output[-3000:]}"


def own_processes(marker: str) -> list[str]:
    """Processes whose command line or environment names ``marker`` (the command's own reports dir,
    which every process it starts inherits): what it started and left running."""
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
            found.append(f"pid {d}: " + cmd.replace(b"\0", b" ").decode(errors="replace")[:120])
    return found


def run_streaming(args: list[str], env: dict, progress, timeout: float = COMMAND_TIMEOUT_S) -> tuple[int | None, str]:
    """(exit status, or None when killed at ``timeout``; the whole output), each line shown as it comes. The
    output is read in a thread: a process the command left running may hold the pipe open, and must not
    keep this waiting once the command itself has exited."""
    proc = subprocess.Popen(args, env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, start_new_session=True)
    lines: list[str] = []

    def pump() -> None:
        for line in proc.stdout:
            lines.append(line)
            progress(f"run lab6: {line.rstrip()[:160]}")

    reader = threading.Thread(target=pump, daemon=True)
    reader.start()
    try:
        returncode = proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:  # bounded: its whole process group goes
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        returncode, lines = None, [*lines, f"\n(killed after {timeout:.0f} s)"]
    reader.join(10)
    return returncode, "".join(lines)


@pytest.fixture(scope="session")
def lab_command(request, tmp_path_factory, progress) -> CommandRun:
    """`mlflow-labs run lab6`, once per session, its output streamed as progress lines. Its report lands
    in a reports dir of its own (a marker every process it starts inherits), then becomes the session's
    reports/lab6.json."""
    reports = tmp_path_factory.mktemp("lab6-run") / "reports"
    env = {**os.environ, "MLFLOW_LABS_REPORTS": str(reports)}
    progress("mlflow-labs run lab6 as one command (README, load, schema race, faults, Host header: several minutes)")
    started = time.monotonic()
    returncode, output = run_streaming([sys.executable, "-m", "mlflow_labs.cli", "run", "lab6"], env, progress)
    # what is still running is looked at the moment it exited, before anything else could clean up
    result = CommandRun(returncode, output, left_running=own_processes(str(reports)))
    path = reports / "lab6.json"
    if path.exists():
        result.report = data = json.loads(path.read_text())
        # the session's lab 6 report: its table at the end, reports/lab6.json, and the verdict line names
        # the README line or check where it failed, as the command itself does
        request.config.stash[plugin._REPORTS].append(Report(
            "lab6", rows=[Row(**s) for s in data["steps"]], phases=data["phases"], substitutions=data["substitutions"],
            started=data["started"], error=data["error"], files=data["files"], figures=data.get("figures") or {}))
    progress(f"mlflow-labs run lab6 exited {result.returncode} after {time.monotonic() - started:.0f} s")
    return result
