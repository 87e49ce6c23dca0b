"""Erratum 7, as a rule over every lab README: no block a learner runs (or a script file it writes and
then runs) publishes an unauthenticated MLflow server beyond loopback: a port-forward on 0.0.0.0, a
container port published with no host IP or on 0.0.0.0 (`-p`, `--publish`, quoted or not), or a server
started on the host with `--host 0.0.0.0`. Inside `docker run ... mlflow server --host 0.0.0.0` the
address is the container's own interface, which only its (loopback-published) port reaches: allowed."""

from __future__ import annotations

import re
import shlex

import pytest

from mlflow_labs.harness.readme.parse import parse_blocks
from mlflow_labs.labs import repo_root

pytestmark = pytest.mark.unit

EVERY_INTERFACE = {"0.0.0.0", "::", "[::]", "*"}
LOOPBACK = ("127.", "localhost", "[::1]", "::1")


def _commands(text: str):
    """The block's commands as token lists: continuation lines joined, split at ; && || | (quotes kept)."""
    joined = re.sub(r"\\\n", " ", text)
    for line in joined.splitlines():
        try:
            tokens = shlex.split(line, comments=True)
        except ValueError:  # an unbalanced quote (a heredoc body line): split on blanks
            tokens = line.split()
        command: list[str] = []
        for t in tokens + [";"]:
            if t in (";", "&&", "||", "|", "&"):
                if command:
                    yield command
                command = []
            else:
                command.append(t)


def _option(tokens: list[str], i: int, names: tuple[str, ...]) -> str | None:
    """The value of option tokens[i] if it is one of names (`--x v`, `--x=v`, `-pV`), else None."""
    t = tokens[i]
    for n in names:
        if t == n:
            return tokens[i + 1] if i + 1 < len(tokens) else ""
        if t.startswith(n + "="):
            return t[len(n) + 1:]
        if len(n) == 2 and t.startswith(n) and not t.startswith("--"):
            return t[2:]
    return None


def _publish_exposes(spec: str) -> bool:
    """-p's value: [HOST_IP:]HOST_PORT:CONTAINER_PORT or CONTAINER_PORT; exposed unless the host IP is loopback."""
    parts = spec.split("/")[0]
    if parts.startswith("["):  # [::1]:7006:5000
        host = parts[:parts.index("]") + 1]
        return host not in LOOPBACK
    fields = parts.split(":")
    return len(fields) < 3 or not fields[0].startswith(LOOPBACK)


def exposures(text: str) -> list[str]:
    """What in a shell block publishes a server beyond loopback, one phrase each (empty: nothing)."""
    found = []
    for cmd in _commands(text):
        words = [t.rsplit("/", 1)[-1] for t in cmd]
        if "port-forward" in words:
            for i in range(len(cmd)):
                addr = _option(cmd, i, ("--address",))
                if addr is not None and EVERY_INTERFACE & set(addr.split(",")):
                    found.append("port-forward on every interface")
        in_container = None  # the index of `docker|podman run`: what follows the image runs inside it
        for i, w in enumerate(words):
            if w in ("docker", "podman") and i + 1 < len(words) and words[i + 1] in ("run", "create", "play"):
                in_container = i
            elif w == "kube" and i + 1 < len(words) and words[i + 1] == "play":
                in_container = i
        if in_container is not None:
            for i in range(in_container, len(cmd)):
                if cmd[i] in ("-P", "--publish-all"):
                    found.append(f"{cmd[i]} publishes every exposed port on every interface")
                spec = _option(cmd, i, ("-p", "--publish"))
                if spec is not None and spec and _publish_exposes(spec):
                    found.append(f"{cmd[i]}: publishes {spec} on every interface")
        elif "mlflow" in words:
            for i in range(words.index("mlflow"), len(cmd)):
                host = _option(cmd, i, ("--host", "-h"))
                if host is not None and host in EVERY_INTERFACE:
                    found.append(f"mlflow started on the host with --host {host}")
    return found


def _runnable_blocks():
    for readme in sorted(p for p in (repo_root() / "labs").rglob("README.md") if "node_modules" not in p.parts):
        for b in parse_blocks(readme.read_text()):
            if b.action in ("run", "background") or (b.action == "file" and b.is_shell):
                yield readme.relative_to(repo_root()), b


def test_no_runnable_block_publishes_mlflow_beyond_loopback():
    found = [f"{readme}:{b.line}: {why}" for readme, b in _runnable_blocks() for why in exposures(b.text)]
    assert not found, found


@pytest.mark.parametrize("text", [
    "kubectl port-forward svc/mlflow 7006:80 --address 0.0.0.0",
    "kubectl port-forward svc/mlflow 7006:80 --address=0.0.0.0",
    "kubectl port-forward svc/mlflow 7006:80 --address localhost,0.0.0.0",
    "docker run -d -p 7006:5000 img mlflow server",
    "docker run -d -p 0.0.0.0:7006:5000 img",
    'docker run -d -p "7006:5000" img',
    "docker run -d -p '0.0.0.0:7006:5000' img",
    "docker run -d -p7006:5000 img",
    "docker run -d --publish 7006:5000 img",
    "docker run -d --publish=7006:5000/tcp img",
    "docker run -d -p 5000 img",
    "docker run -d -P img",
    "podman run -d -p 7006:5000 img",
    "podman kube play --publish 7006:5000 mlflow-pod.yaml",
    "docker run -d \\\n  --name m \\\n  -p 7006:5000 img",
    "mlflow server --backend-store-uri sqlite:///mlflow.db --host 0.0.0.0 --port 7006",
    "mlflow ui --host=0.0.0.0",
    "exec mlflow server -h 0.0.0.0 --port 7006",
    "cd x && mlflow server --host '0.0.0.0'",
    "nohup mlflow server --host :: &",
])
def test_the_rule_catches_exposure(text):
    assert exposures(text), text


@pytest.mark.parametrize("text", [
    "kubectl port-forward svc/mlflow 7006:80",
    "kubectl port-forward svc/mlflow 7006:80 --address 127.0.0.1",
    "docker run -d -p 127.0.0.1:7006:5000 img mlflow server --host 0.0.0.0 --port 5000",
    'docker run -d -p "127.0.0.1:7006:5000" img',
    "docker run -d --publish=127.0.0.1:7006:5000 img",
    "docker run -d -p [::1]:7006:5000 img",
    "podman kube play --publish 127.0.0.1:7006:5000 mlflow-pod.yaml",
    "mlflow server --host 127.0.0.1 --port 7006",
    "mlflow ui --backend-store-uri sqlite:///mlflow.db --port 7006",
    "psql -h 127.0.0.1 -p 5432 -U postgres",
    "ps -o pgid= -p 1234",
    "mkdir -p mlflow-basic && cd mlflow-basic",
    "echo 'do not use --host 0.0.0.0'",
])
def test_the_rule_leaves_loopback_alone(text):
    assert not exposures(text), exposures(text)
