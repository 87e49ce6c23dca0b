"""What a learner replay's README may have left running: processes carrying the replay's HOME (everything
the learner's shells started) and the containers and networks the README names literally (`docker run --name X`,
`docker network create Y`)."""

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


def docker_names(texts: list[str]) -> list[tuple[str, str]]:
    """("container", X) for each `--name X` and ("network", Y) for each `docker network create Y` the blocks'
    texts give literally, each once, in order."""
    found: list[tuple[str, str]] = []
    for text in texts:
        for kind, pattern in (("container", r"--name\s+(\S+)"), ("network", r"docker\s+network\s+create\s+([^\s-]\S*)")):
            found += [(kind, n) for n in re.findall(pattern, text) if (kind, n) not in found]
    return found


def existing(named: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Those of ``named`` that exist (a container running or not) in the local Docker engine."""
    if not named or not shutil.which("docker"):
        return []
    present = {kind: set(run_tool(argv, timeout=60, check=False).stdout.split()) for kind, argv in (
        ("container", ["docker", "ps", "-a", "--format", "{{.Names}}"]),
        ("network", ["docker", "network", "ls", "--format", "{{.Name}}"]))}
    return [(kind, n) for kind, n in named if n in present[kind]]


def removal(named: list[tuple[str, str]]) -> str:
    """The commands that remove ``named``: containers first (a network with a container on it stays)."""
    containers = [n for kind, n in named if kind == "container"]
    networks = [n for kind, n in named if kind == "network"]
    return "; ".join(([f"docker rm -f {' '.join(containers)}"] if containers else []) +
                     ([f"docker network rm {' '.join(networks)}"] if networks else []))


def remove(named: list[tuple[str, str]]) -> None:
    for kind, n in sorted(existing(named), key=lambda o: o[0] != "container"):
        run_tool(["docker", "rm", "-f", n] if kind == "container" else ["docker", "network", "rm", n],
                 timeout=120, check=False)
