"""What a learner replay's README may have left running: processes carrying the replay's HOME (everything
the learner's shells started) and the containers the README names literally (`docker run --name X`)."""

from __future__ import annotations

import os
import re
import shutil
import signal
from pathlib import Path

from mlflow_labs.harness.process import processes
from mlflow_labs.harness.tools import run_tool


def processes_of(home: Path) -> list[tuple[int, str]]:
    """(pid, command line) of every process whose environment has HOME=``home``, this one excepted."""
    marker = f"HOME={home}".encode()
    return [(p.pid, p.cmdline[:120]) for p in processes(environ=True) if p.pid != os.getpid() and marker in p.environ]


def kill(pids: list[tuple[int, str]]) -> None:
    for pid, _ in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def container_names(texts: list[str]) -> list[str]:
    """The container names the blocks' texts give literally (`--name X`), each once, in order."""
    names: list[str] = []
    for text in texts:
        names += [n for n in re.findall(r"--name\s+(\S+)", text) if n not in names]
    return names


def existing_containers(names: list[str]) -> list[str]:
    """Those of ``names`` that exist (running or not) in the local Docker engine."""
    if not names or not shutil.which("docker"):
        return []
    p = run_tool(["docker", "ps", "-a", "--format", "{{.Names}}"], timeout=60, check=False)
    present = set(p.stdout.split())
    return [n for n in names if n in present]


def remove_containers(names: list[str]) -> None:
    for n in existing_containers(names):
        run_tool(["docker", "rm", "-f", n], timeout=120, check=False)
