"""`kubectl port-forward` as a context manager that is ready only once GET /health answers.

kubectl prints "Forwarding from 127.0.0.1:7006" before any connection to the pod has been tried,
so that line proves nothing; a request through the tunnel to MLflow's /health does.
A port-forward is bound to one pod: after that pod is replaced, ``restart()`` it.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Callable, Sequence

from mlflow_labs.harness.net import free_port, wait_http
from mlflow_labs.infra.process import BackgroundProcess


class PortForward:
    def __init__(self, target: str = "svc/mlflow", remote_port: int = 80, *, namespace: str | None = None,
                 kubeconfig: Path | str | None = None, local_port: int | None = None,
                 health_path: str = "/health", timeout: float = 120, log_dir: Path | None = None,
                 progress: Callable[[str], None] | None = None, command: Sequence[str] | None = None):
        self.target, self.remote_port, self.namespace = target, remote_port, namespace
        self.kubeconfig = str(kubeconfig) if kubeconfig else None
        self.local_port = local_port or free_port()
        self.health_path = health_path
        self.timeout = timeout
        self.progress = progress
        self.log_path = Path(log_dir or tempfile.mkdtemp(prefix="port-forward-")) / f"port-forward-{self.local_port}.log"
        self._command = list(command) if command else None  # for a different forwarder; default kubectl
        self.proc: BackgroundProcess | None = None

    def command(self) -> list[str]:
        if self._command:
            return self._command
        cmd = ["kubectl"]
        if self.kubeconfig:
            cmd += ["--kubeconfig", self.kubeconfig]
        if self.namespace:
            cmd += ["--namespace", self.namespace]
        # loopback only: the notes' --address 0.0.0.0 would expose an unauthenticated server to the LAN
        return cmd + ["port-forward", self.target, f"{self.local_port}:{self.remote_port}", "--address", "127.0.0.1"]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.local_port}"

    def start(self) -> "PortForward":
        self.proc = BackgroundProcess(self.command(), log_path=self.log_path).start()
        try:
            wait_http(self.url + self.health_path, timeout=self.timeout,
                      what=f"port-forward to {self.target} on local port {self.local_port}",
                      alive=self.proc.alive, log=self.proc.log_tail, progress=self.progress)
        except BaseException:
            self.stop()
            raise
        return self

    def alive(self) -> bool:
        return self.proc is not None and self.proc.alive()

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.stop(timeout=5)
            self.proc = None

    def restart(self) -> "PortForward":
        self.stop()
        return self.start()

    def __enter__(self) -> "PortForward":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
