"""Erratum 7, as a rule over every lab README (rules.exposed): no block a learner or the harness runs (or a
script file it writes and then runs) publishes a server beyond loopback.

Exposed, on the host: a port-forward whose `--address` is not loopback (0.0.0.0, a LAN address); a
container port published with no host IP, on 0.0.0.0 or on another address (`-p`, `--publish`, quoted or
not, `docker run` or `docker container run`), every exposed port published (`-P`), a container on the
host's own network (`--network host`: its servers listen on the host's interfaces); a server started on
the host (`mlflow server|ui --host`, `uvicorn --host`, `gunicorn --bind`) on an address that is not
loopback, or on one the text does not show (`--host $H`). Inside `docker run ... mlflow server --host
0.0.0.0` the address is the container's own interface, which only its (loopback-published) port
reaches: allowed."""

from __future__ import annotations

import re
import shlex

LOOPBACK = ("127.", "localhost", "[::1]", "::1")
CONTAINER_VERBS = ("run", "create")
HOST_SERVERS = {"mlflow": ("--host", "-h"), "uvicorn": ("--host",), "gunicorn": ("--bind", "-b")}


def loopback(host: str) -> bool:
    """Whether ``host`` is a loopback address written out (a variable, a LAN address or every interface is not)."""
    return host.strip("'\"").startswith(LOOPBACK)


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
        return not loopback(parts[:parts.index("]") + 1])
    fields = parts.split(":")
    return len(fields) < 3 or not loopback(fields[0])


def _container_start(words: list[str]) -> int | None:
    """The index of `docker|podman [container] run|create` or `podman kube play`: what follows runs inside."""
    for i, w in enumerate(words):
        rest = words[i + 1:i + 3]
        if w in ("docker", "podman") and rest and (rest[0] in CONTAINER_VERBS or rest[0] == "kube"
                                                  or rest[:2] in (["container", v] for v in CONTAINER_VERBS)):
            return i
    return None


def _in_container(cmd: list[str], start: int) -> list[str]:
    found = []
    for i in range(start, len(cmd)):
        if cmd[i] in ("-P", "--publish-all"):
            found.append(f"{cmd[i]} publishes every exposed port on every interface")
        spec = _option(cmd, i, ("-p", "--publish"))
        if spec and _publish_exposes(spec):
            found.append(f"{cmd[i]}: publishes {spec} beyond loopback")
        network = _option(cmd, i, ("--network", "--net"))
        if network == "host":
            found.append("--network host: the container's servers listen on the host's own interfaces")
    return found


def _on_host(cmd: list[str], words: list[str]) -> list[str]:
    found = []
    for server, names in HOST_SERVERS.items():
        if server not in words:
            continue
        for i in range(words.index(server), len(cmd)):
            value = _option(cmd, i, names)
            if value is None:
                continue
            host = value.rsplit(":", 1)[0] if server == "gunicorn" else value   # gunicorn: HOST:PORT
            if not value.startswith("unix:") and not loopback(host):
                found.append(f"{server} started on the host with {cmd[i]} {value}" if cmd[i] in names
                             else f"{server} started on the host with {cmd[i]}")
    return found


def exposures(text: str) -> list[str]:
    """What in a shell block publishes a server beyond loopback, one phrase each (empty: nothing)."""
    found = []
    for cmd in _commands(text):
        words = [t.rsplit("/", 1)[-1] for t in cmd]
        if "port-forward" in words:
            for i in range(len(cmd)):
                addr = _option(cmd, i, ("--address",))
                if addr is not None and not all(loopback(a) for a in addr.split(",")):
                    found.append(f"port-forward on {addr}, beyond loopback")
        start = _container_start(words)
        found += _in_container(cmd, start) if start is not None else _on_host(cmd, words)
    return found
