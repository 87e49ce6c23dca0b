"""Lab 2 on pods: the README's install rendered, MLflow's pod played; the notes' run appears through its port,
and is gone once the pod is replaced (SQLite in the pod's emptyDir)."""

from __future__ import annotations

from mlflow_labs.infra import sockets
from mlflow_labs.lab2 import SPEC
from mlflow_labs.lab2 import chart as cv
from mlflow_labs.lab2.pods_run import PodsRun, row


class Lab2PodsRun(PodsRun):
    lab = "lab2"

    def __init__(self, **kw):
        kw.setdefault("report_name", "lab2")  # what `mlflow-labs run lab2` and scripts/bench read
        super().__init__(**kw)
        self.readme = SPEC.readme

    def steps(self) -> None:
        inv = next(i for i in cv.helm_invocations(self.readme) if not i.expect_rejected)
        with self.phase("render (helm template)"):
            rendered = self.helm_step(inv)
        with self.phase("pod start"):
            self.start_mlflow(rendered)
            # ERRATA 7 on the host's sockets, not on the manifest: the pod's port is reachable from this machine only
            self.check("ss -ltn (ERRATA 7)", [row(
                "the pod's published port listens on loopback only, nothing on 0.0.0.0",
                lambda: sockets.loopback_only(self.port, f"pod {self.pods.pods['mlflow'].name}"),
                hint="publish the pod's port on 127.0.0.1 (hostIP / --publish 127.0.0.1:...), never on every interface")])
        with self.phase("notes' run through the pod"):
            self.run_blocks(self.block_line("", file="train.py"), self.block_line("python train.py"),
                            self.block_line("mlflow-labs check lab2"))
            self.run_id_logged = (self.docs.cwd / "run_id.txt").read_text().strip()
        with self.phase("checks"):
            self.checks_through_pod("lab2/checks.py", run_id=self.run_id_logged)
        with self.phase("pod deleted and replaced"):
            self.replace_mlflow_pod()
        with self.phase("checks after pod replacement"):
            self.checks_through_pod("lab2/checks.py expect=lost", expect="lost", run_id=self.run_id_logged)
            self.run_blocks(self.block_line("RESOURCE_DOES_NOT_EXIST"))
