"""The podman command: found, shown to run a container here, and run (through run_tool)."""

from __future__ import annotations

from mlflow_labs.errors import PrerequisiteMissing
from mlflow_labs.harness.tools import require_tool, run_tool

INSTALL_PODMAN = "sudo apt-get install podman catatonit (Debian/Ubuntu; see https://podman.io/docs/installation)"


def require_podman() -> str:
    """podman's path, once it has shown it can run a container here (not only that it is installed:
    on hybrid cgroups its default runtime refuses every container; the message names the fix)."""
    path = require_tool("podman", why="the pods path runs the chart's pods with `podman kube play`",
                        fix=f"{INSTALL_PODMAN} (on this project's CI machines: scripts/provision-k8s-tools)")
    from mlflow_labs.infra.container_runtime import podman_status
    runs, what, fix = podman_status()
    if runs is None:
        raise PrerequisiteMissing(what, fix)
    return path


def podman(*args: str, timeout: float = 300, input: str | None = None, check: bool = True):
    return run_tool(["podman", *args], timeout=timeout, input=input, check=check)
