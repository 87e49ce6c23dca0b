"""What lab 2's and lab 3-on-Kubernetes' pods runs share (lab2/pods.py says what the pods path is): the
prerequisites (helm and a podman that runs containers), the offline images, the README runner on a free port,
the README's helm command rendered as its step, MLflow's pod started, replaced and checked through its port."""

from __future__ import annotations

import time
from pathlib import Path

import yaml

from mlflow_labs import settings
from mlflow_labs.errors import LabError
from mlflow_labs.harness.labrun import LabRun
from mlflow_labs.harness.net import free_port
from mlflow_labs.harness.readme.runner import ReadmeRunner
from mlflow_labs.harness.readme.steps import Step, port_substitution, timed
from mlflow_labs.harness.suite import CheckFailed, CheckResult
from mlflow_labs.infra import podman as pm
from mlflow_labs.lab2 import chart as cv
from mlflow_labs.lab2 import checks
from mlflow_labs.lab2.pod_images import CHART_MLFLOW_IMAGE, mlflow_image
from mlflow_labs.settings import repo_root

READY_TIMEOUT_S = 300   # MLflow's first start in a pod under load (30-50 s measured, 2 shared cores)


def require_pods_prerequisites() -> None:
    cv.require_helm()
    pm.require_podman()


def pods_available() -> bool:
    try:
        require_pods_prerequisites()
        return True
    except LabError:
        return False


def row(name: str, func, hint: str = "") -> CheckResult:
    """One check row from ``func``: its return value is the detail; LabError, AssertionError or CheckFailed
    (require(): a check that `python -O` cannot strip) is the failure."""
    t0 = time.monotonic()
    try:
        detail, ok = func(), True
    except (LabError, AssertionError, CheckFailed) as exc:
        detail, ok = str(exc), False
    return CheckResult(name, ok, str(detail), "" if ok else hint, time.monotonic() - t0)


class PodsRun(LabRun):
    """What both pods scenarios share: helm + podman, offline images, a README runner on a free port."""

    readme: Path
    release_deployment = "mlflow"

    def __init__(self, **kw):
        super().__init__(**kw)
        self.port = free_port()
        self.uri = f"http://127.0.0.1:{self.port}"
        self.pods: pm.PodmanPods | None = None
        self.images: dict[str, str] = {}
        self.run_id_logged = ""

    def setup(self) -> None:
        require_pods_prerequisites()
        self.chart = cv.chart_ref()
        self.docs = ReadmeRunner(self.readme, self.workdir / "docs",
                                 substitutions=[port_substitution(settings.DOCUMENTED_PORT, self.port)],
                                 display_root=repo_root(), progress=self.progress)
        self.pods = pm.PodmanPods(self.workdir / "pods", prefix=self.lab.replace("-kubernetes", "k8s"),
                                  progress=self.progress, keep=self.keep)
        with self.phase("images"):
            self.images[CHART_MLFLOW_IMAGE] = mlflow_image(self.progress)

    # -- README pieces --------------------------------------------------------------------------
    def block_line(self, needle: str, *, file: str | None = None) -> int:
        return (self.docs.find(file=file) if file else self.docs.find(text=needle)).line

    def run_blocks(self, *lines: int) -> None:
        self.docs.run(only_lines=set(lines))

    def helm_step(self, inv: cv.HelmInvocation, cwd: Path | None = None) -> cv.Rendered:
        """The README's helm command, rendered with `helm template` and its own flags, recorded as its step."""
        step = self.docs.record(Step(self.docs.display, inv.line, "run",
                                     f"{inv.command[:50]}… (rendered with helm template)"))
        with timed(step):
            rendered = cv.render(inv, cwd=cwd, chart=self.chart)
        kinds = ", ".join(sorted(d["kind"] for d in rendered.docs))
        step.status, step.note = "passed", f"`{' '.join(rendered.command[:3])} <chart> …` rendered: {kinds}"
        self.report.substituted(
            f"{inv.where}: `helm install|upgrade` -> `helm template` with the same -f/--set flags (no cluster to "
            f"install into; podman runs the rendered pods)", "helm install -> helm template")
        return rendered

    def mlflow_plan(self, host_aliases: dict[str, str] | None = None) -> pm.PodPlan:
        """MLflow's pod: its port on a loopback hostPort (the port-forward), the images this machine has."""
        return pm.PodPlan(self.release_deployment, host_port=("mlflow", "mlflow", self.port), images=self.images,
                          host_aliases=host_aliases or {})

    def start_mlflow(self, rendered: cv.Rendered, *, host_aliases: dict[str, str] | None = None) -> pm.Pod:
        _, docs = self.pods.pod_manifest(rendered.docs, self.mlflow_plan(host_aliases))
        pod = self.pods.play("mlflow", docs)
        took = self.pods.wait_http(pod, f"{self.uri}/health", "mlflow", timeout=READY_TIMEOUT_S)
        self.progress(f"MLflow in pod {pod.name} answers /health ({took:.0f} s after kube play)")
        return pod

    def replace_mlflow_pod(self) -> pm.Pod:
        """`kubectl delete pod` + the Deployment's replacement: kube down, kube play of the same manifest."""
        pod = self.pods.pods["mlflow"]
        self.pods.down("mlflow")
        self.pods.play("mlflow", list(yaml.safe_load_all(pod.manifest.read_text())))
        new = self.pods.pods["mlflow"]
        new.volumes |= pod.volumes
        self.pods.wait_http(new, f"{self.uri}/health", "mlflow", timeout=READY_TIMEOUT_S)
        return new

    def checks_through_pod(self, where: str, **opts) -> list[CheckResult]:
        """lab2/checks.py against the pod. Under heavy load uvicorn's supervisor may kill a starved worker
        ("Child process died") and reset a connection: if the server was unreachable, wait for /health and
        run the suite once more (a check that fails on a reachable server is never retried)."""
        results = checks.run_checks(self.uri, **opts)
        if any("Cannot reach the MLflow server" in r.detail for r in results if not r.ok):
            self.progress("the MLflow pod dropped a connection (a uvicorn worker restarted); checking again")
            self.pods.wait_http(self.pods.pods["mlflow"], f"{self.uri}/health", "mlflow", timeout=READY_TIMEOUT_S)
            results = checks.run_checks(self.uri, **opts)
        return self.check(where, results)

    # -- teardown ---------------------------------------------------------------------------------
    def teardown(self) -> None:
        if self.pods:
            self.pods.close()
            left = self.pods.leftovers()
            if left:
                raise LabError(f"podman cleanup left {', '.join(left)}; remove them with `podman pod rm -f` / "
                               f"`podman volume rm`.")

    def close(self) -> None:
        try:
            super().close()
        finally:
            if self.pods:
                self.report.substituted_all(self.pods.substitutions)

    def kept(self) -> str:
        names = ", ".join(p.name for p in self.pods.pods.values()) if self.pods else "none"
        return (f"pods {names} (remove: podman kube down <manifest> in {self.workdir / 'pods'}), "
                f"MLflow at {self.uri}, work dir {self.workdir}")
