"""A kind cluster as a context manager, usable without pytest.

    with KindCluster(keep=False) as cluster:        # unique name, kubeconfig in a temp dir
        cluster.create()                            # or let a README's `kind create cluster` make it
        cluster.load_docker_image(settings.DOCUMENTED_MLFLOW_IMAGE)   # air-gapped: no registry needed
        cluster.kubectl("get", "pods", "-A")
    # deleted here, even when the body raised (unless keep=True, for --keep-infra)

The kubeconfig lives in the cluster's own temp dir and is passed explicitly (KUBECONFIG / --kubeconfig),
so a lab never touches the learner's ~/.kube/config or their current context.
"""

from __future__ import annotations

import secrets
import shutil
import tempfile
from pathlib import Path
from typing import Callable

from mlflow_labs.errors import LabError
from mlflow_labs.harness.tools import ToolError, ToolResult, run_tool

Runner = Callable[..., ToolResult]


def unique_name(prefix: str = "mlflow-labs") -> str:
    """A cluster name no other run uses: kind names become Docker container names and DNS labels."""
    return f"{prefix}-{secrets.token_hex(3)}"


class KindCluster:
    def __init__(self, name: str | None = None, *, prefix: str = "mlflow-labs", kubeconfig: Path | None = None,
                 node_image: str | None = None, keep: bool = False, create_on_enter: bool = False,
                 wait: str = "180s", progress: Callable[[str], None] | None = None, runner: Runner = run_tool):
        self.name = name or unique_name(prefix)
        self._tmpdir: Path | None = None
        if kubeconfig is None:
            self._tmpdir = Path(tempfile.mkdtemp(prefix=f"kind-{self.name}-"))
            kubeconfig = self._tmpdir / "kubeconfig"
        self.kubeconfig = Path(kubeconfig)
        self.node_image = node_image
        self.keep = keep
        self.create_on_enter = create_on_enter
        self.wait = wait
        self.progress = progress or (lambda msg: None)
        self.runner = runner
        self.created = False

    # -- commands (separate so they can be shown, logged and unit-tested) -----------------------
    def create_command(self) -> list[str]:
        cmd = ["kind", "create", "cluster", "--name", self.name, "--kubeconfig", str(self.kubeconfig),
               "--wait", self.wait]
        if self.node_image:
            cmd += ["--image", self.node_image]
        return cmd

    def delete_command(self) -> list[str]:
        return ["kind", "delete", "cluster", "--name", self.name, "--kubeconfig", str(self.kubeconfig)]

    def load_image_command(self, image: str) -> list[str]:
        return ["kind", "load", "docker-image", image, "--name", self.name]

    def kubectl_command(self, *args: str) -> list[str]:
        return ["kubectl", "--kubeconfig", str(self.kubeconfig), *args]

    @property
    def env(self) -> dict[str, str]:
        """Environment for tools (and README blocks) that should talk to this cluster only."""
        return {"KUBECONFIG": str(self.kubeconfig)}

    # -- lifecycle ---------------------------------------------------------------------------------
    def create(self, timeout: float = 600) -> "KindCluster":
        self.progress(f"creating kind cluster {self.name} (kubeconfig {self.kubeconfig})")
        try:
            self.runner(self.create_command(), timeout=timeout)
        except ToolError:
            # kind can leave a half-made node container behind; remove it before reporting
            self._delete_quietly()
            raise
        self.created = True
        return self

    def exists(self) -> bool:
        out = self.runner(["kind", "get", "clusters"], timeout=60).stdout
        return self.name in out.split()

    def load_docker_image(self, image: str, timeout: float = 900) -> None:
        """Copy a local image into the node, so pods start without any registry (air-gapped classrooms)."""
        self.progress(f"loading {image} into kind cluster {self.name}")
        self.runner(self.load_image_command(image), timeout=timeout)

    def kubectl(self, *args: str, timeout: float = 300, input: str | None = None, check: bool = True) -> ToolResult:
        return self.runner(self.kubectl_command(*args), timeout=timeout, input=input, check=check)

    def api_client(self):
        """A `kubernetes` ApiClient bound to this cluster's kubeconfig (not the global default)."""
        from kubernetes import config
        if not self.kubeconfig.exists():
            raise LabError(f"kind cluster {self.name} has no kubeconfig at {self.kubeconfig}: was it created?")
        return config.new_client_from_config(config_file=str(self.kubeconfig))

    def delete(self) -> None:
        self.progress(f"deleting kind cluster {self.name}")
        try:
            # kind treats deleting an absent cluster as success, so this is safe after the README deleted it
            self.runner(self.delete_command(), timeout=300)
        finally:
            self.created = False
            if self._tmpdir is not None:
                shutil.rmtree(self._tmpdir, ignore_errors=True)
                self._tmpdir = None

    def _delete_quietly(self) -> None:
        try:
            self.delete()  # also removes the temp kubeconfig dir
        except LabError as exc:
            self.progress(f"cleanup of kind cluster {self.name} failed too: {exc}")

    def __enter__(self) -> "KindCluster":
        if self.create_on_enter:
            self.create()
        return self

    def __exit__(self, *exc) -> None:
        if self.keep:
            self.progress(f"--keep-infra: kind cluster {self.name} kept; KUBECONFIG={self.kubeconfig}; "
                          f"remove it with: kind delete cluster --name {self.name}")
            return
        self.delete()
