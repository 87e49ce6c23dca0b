"""Lab 2 and Lab 3 on Kubernetes: run the READMEs on a real kind cluster, check through the port-forward.

What `mlflow-labs run lab2` (and `tox -e lab2`) does:
  1. preflight: Docker daemon, kind, helm, kubectl, the chart repository; anything missing ends the
     run (one PrerequisiteMissing naming every missing piece and its install command) before anything starts;
  2. the README's blocks in order, with a unique cluster name, a kubeconfig in a temp dir (never
     the learner's ~/.kube/config) and a free port for 7006;
  3. between blocks: the REST checks (lab2/checks.py) and Kubernetes API checks (pod replaced,
     init containers); 4. the cluster deleted in teardown unless keep=True (`Lab2Run`, the LabRun policy).
"""

from __future__ import annotations


import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from mlflow_labs import settings
from mlflow_labs.harness.readme.runner import ReadmeRunner
from mlflow_labs.harness.readme.steps import Substitution, port_substitution
from mlflow_labs.errors import LabError, PrerequisiteMissing
from mlflow_labs.harness.labrun import LabRun
from mlflow_labs.harness.net import free_port
from mlflow_labs.harness.report import Report
from mlflow_labs.harness.suite import CheckFailed, CheckResult, require
from mlflow_labs.lab2 import SPEC
from mlflow_labs.settings import repo_root



@dataclass(frozen=True)
class K8sLab:
    key: str                  # report name
    readme: Path
    cluster_placeholder: str  # the cluster name the README uses; replaced by a unique one
    namespace: str
    after_delete: str         # "lost" (SQLite in the pod) or "present" (PostgreSQL)
    artifacts: bool           # whether the install proxies artifacts (so model.pkl is checkable)
    init_container: str | None


def labs() -> dict[str, K8sLab]:
    return {
        "lab2": K8sLab("lab2", SPEC.readme, "basic-mlflow-cluster", "default", "lost", True, None),
        "lab3-kubernetes": K8sLab("lab3-kubernetes", SPEC.borrowed("lab3-kubernetes") / "README.md",
                                  "production-mlflow-cluster", "mlflow", "present", False, "dbchecker"),
    }


# -- preflight ----------------------------------------------------------------------------------
def missing_prerequisites(check_chart_repo: bool = True) -> list[PrerequisiteMissing]:
    """Every piece the Kubernetes labs need that this machine lacks, each with its fix: the tools from
    lab 2's prerequisites (the list `mlflow-labs doctor lab2` prints), then the network this lab alone needs."""
    from mlflow_labs.harness.prereqs import missing as missing_of
    from mlflow_labs.harness.tools import ToolError, run_tool

    missing = missing_of(SPEC.prerequisites(), only=("Docker daemon", "kind", "helm", "kubectl"))

    def lack(piece: str, what: str, fix: str) -> None:
        m = PrerequisiteMissing(what, fix)
        m.piece = piece
        missing.append(m)
    skip_network = settings.current().skip_network_checks  # MLFLOW_LABS_SKIP_NETWORK_CHECKS
    if check_chart_repo and not missing and not skip_network:
        # only probed when every tool is there: kind pulls its node image from Docker Hub
        node_images = run_tool(["docker", "image", "ls", "-q", "kindest/node"], timeout=60).stdout.strip()
        if not node_images:
            import requests
            try:
                requests.get("https://registry-1.docker.io/v2/", timeout=10)
            except requests.RequestException as exc:
                lack("node image", f"kind's node image (kindest/node) is not in the local Docker and Docker Hub "
                                   f"is unreachable ({type(exc).__name__}), so `kind create cluster` cannot work.",
                     "allow access to Docker Hub, or on a connected machine `docker pull kindest/node:<tag for "
                     "your kind version>` + `docker save`, then `docker load` it here")
    if check_chart_repo and shutil.which("helm") and not skip_network:
        from mlflow_labs.lab2.chart import CHART_NAME, CHART_REPO, CHART_REPO_URL, CHART_VERSION
        try:
            run_tool(["helm", "repo", "add", CHART_REPO, CHART_REPO_URL, "--force-update"], timeout=120)
            run_tool(["helm", "show", "chart", f"{CHART_REPO}/{CHART_NAME}", "--version", CHART_VERSION], timeout=120)
        except ToolError as exc:
            lack("chart", f"The chart {CHART_REPO}/{CHART_NAME} {CHART_VERSION} is not reachable "
                          f"({str(exc).splitlines()[0]}).",
                 f"allow access to {CHART_REPO_URL} (and to Docker Hub for the images)")
    return missing


def require_prerequisites(check_chart_repo: bool = True) -> None:
    """Raise one PrerequisiteMissing listing everything missing (so one read fixes it all)."""
    missing = missing_prerequisites(check_chart_repo)
    if missing:
        raise PrerequisiteMissing("The Kubernetes labs (lab 2, lab 3 on kind) cannot run here: "
                                  + " ".join(m.what for m in missing),
                                  "; ".join(f"{m.piece}: {m.fix}" for m in missing))


def choose_infra(choice: str | None, check_chart_repo: bool = True) -> str:
    """kind | podman; auto (or unset): kind where it can run, else podman where helm and podman are present."""
    choice = choice or settings.current().k8s_infra
    if choice in ("kind", "podman"):
        return choice
    if choice != "auto":
        raise LabError(f"Unknown infra '{choice}' for the Kubernetes labs: use kind, podman or auto.")
    kind_missing = missing_prerequisites(check_chart_repo)
    if not kind_missing:
        return "kind"
    from mlflow_labs.lab2.pods import pods_available
    if pods_available():
        return "podman"
    raise PrerequisiteMissing("Neither kind nor podman can run the Kubernetes labs here: "
                              + " ".join(m.what for m in kind_missing),
                              "; ".join(f"{m.piece}: {m.fix}" for m in kind_missing)
                              + "; or for the pods path: scripts/provision-k8s-tools (podman + helm)")


# -- helpers ----------------------------------------------------------------------------------------------
def _line_of(docs: ReadmeRunner, needle: str, after: int = 0) -> int:
    for b in docs.blocks:
        if b.line > after and needle in b.text:
            return b.line
    raise LabError(f"{docs.display}: no block containing `{needle}`; the scenario and the README disagree.")


def _run_range(docs: ReadmeRunner, start: int, stop: int | None = None) -> None:
    docs.run(only_lines={b.line for b in docs.blocks if b.line >= start and (stop is None or b.line < stop)})


def _api_check(name: str, func) -> CheckResult:
    """A Kubernetes API check: ``func`` returns a detail or fails through the suite's ``require``
    (never a bare ``assert``, which `python -O` would strip)."""
    t0 = time.monotonic()
    try:
        detail, ok = func(), True
    except (LabError, CheckFailed) as exc:
        detail, ok = str(exc), False
    return CheckResult(name, ok, detail, "" if ok else "see the pod with kubectl describe", time.monotonic() - t0)


def load_images(cluster, progress) -> list[str]:
    images = list(settings.current().kind_load_images)  # MLFLOW_LABS_KIND_LOAD_IMAGES
    for image in images:
        cluster.load_docker_image(image)
    return images


# -- the scenario -------------------------------------------------------------------------------------------
class Lab2Run(LabRun):
    """One Kubernetes lab (``part`` = "lab2" or "lab3-kubernetes") end to end on a new kind cluster."""

    lab = "lab2"

    def __init__(self, part: str = "lab2", *, check_chart_repo: bool = True, **kw):
        spec = labs().get(part)
        if spec is None:
            raise LabError(f"Unknown Kubernetes lab part {part!r}; choose one of {', '.join(labs())}.")
        super().__init__(report_name=spec.key, **kw)
        self.k8s, self.check_chart_repo = spec, check_chart_repo
        self.port = free_port()
        self.uri = f"http://127.0.0.1:{self.port}"
        self.cluster = None

    def setup(self) -> None:
        from mlflow_labs.infra.kind import KindCluster
        require_prerequisites(self.check_chart_repo)  # everything missing, in one message, before anything starts
        spec = self.k8s
        self.cluster = KindCluster(prefix=spec.key.replace("-kubernetes", "k8s"), keep=self.keep, progress=self.progress)
        self.docs = ReadmeRunner(spec.readme, self.workdir / "readme",
                                 substitutions=[
                                     port_substitution(SPEC.port, self.port),
                                     Substitution(spec.cluster_placeholder, self.cluster.name,
                                                  f"cluster {spec.cluster_placeholder} -> {self.cluster.name} "
                                                  f"(unique, so runs never collide)"),
                                 ],
                                 env=self.cluster.env, display_root=repo_root(), progress=self.progress)

    def steps(self) -> None:
        from mlflow_labs.infra.kube import core_api, init_container_names, list_pods, release_selector, wait_pods_ready
        from mlflow_labs.lab2 import checks

        spec, docs, uri = self.k8s, self.docs, self.uri
        selector = release_selector("mlflow")
        create = _line_of(docs, "kind create cluster")
        delete_pod = _line_of(docs, "delete pod")
        forwards = docs.background_lines()
        second_forward = next(line for line in forwards if line > delete_pod)
        delete_cluster = _line_of(docs, "kind delete cluster")

        with self.phase("cluster and install"):
            _run_range(docs, 0, create + 1)
            if load_images(self.cluster, self.progress):
                self.progress(f"loaded local images into {self.cluster.name}")
            _run_range(docs, create + 1, delete_pod)
        api = core_api(self.cluster.api_client())
        before = wait_pods_ready(api, spec.namespace, selector, timeout=60)
        run_id_file = docs.cwd / "run_id.txt"
        if not run_id_file.exists():
            raise LabError(f"{docs.display}: train.py wrote no run_id.txt in {docs.cwd}, so the run cannot be "
                           f"followed across the pod deletion; the README's train.py must write it.")
        run_id = run_id_file.read_text().strip()

        with self.phase("checks"):
            api_rows = []
            if spec.init_container:
                def has_init():
                    names = init_container_names(before[0])
                    require(spec.init_container in names, f"pod {before[0].metadata.name} init containers: {names}")
                    return f"pod {before[0].metadata.name} init containers: {names}"
                api_rows.append(_api_check(f"pod has the '{spec.init_container}' init container (Kubernetes API)", has_init))
            self.check("Kubernetes API", api_rows)
            self.check("lab2/checks.py", checks.run_checks(uri, run_id=run_id, artifacts=spec.artifacts))

        with self.phase("pod deleted and replaced"):
            _run_range(docs, delete_pod, second_forward)
            docs.stop_background(forwards[0])  # bound to the deleted pod
            _run_range(docs, second_forward, delete_cluster)

        with self.phase("checks after pod replacement"):
            old_uids = {p.metadata.uid for p in before}

            def replaced():
                now = [p for p in list_pods(api, spec.namespace, selector) if p.metadata.deletion_timestamp is None]
                require(now and not ({p.metadata.uid for p in now} & old_uids),
                        f"pods now {[p.metadata.name for p in now]} include the one before the delete")
                return f"{before[0].metadata.name} -> {now[0].metadata.name}"
            rows = [_api_check("the MLflow pod was replaced by a new one (Kubernetes API)", replaced)]
            if spec.init_container:
                def still_init():
                    pod = wait_pods_ready(api, spec.namespace, selector, timeout=60, exclude_uids=old_uids)[0]
                    names = init_container_names(pod)
                    require(spec.init_container in names, f"new pod init containers: {names}")
                    return f"new pod {pod.metadata.name} init containers: {names}"
                rows.append(_api_check(f"the new pod has '{spec.init_container}' too", still_init))
            self.check("Kubernetes API after delete", rows)
            self.check(f"lab2/checks.py expect={spec.after_delete}",
                       checks.run_checks(uri, expect=spec.after_delete, run_id=run_id, artifacts=False))

        if not self.keep:  # the README's own `kind delete cluster`; --keep-infra keeps the cluster
            with self.phase("README clean-up"):
                docs.stop_background()
                _run_range(docs, delete_cluster)

    def teardown(self) -> None:
        if self.docs:
            self.docs.close()
        if self.cluster is not None:
            self.cluster.__exit__(None, None, None)  # delete; a no-op if the README deleted it

    def kept(self) -> str:
        if self.cluster is None:
            return f"no cluster (the run stopped before making one), work dir {self.workdir}"
        return f"cluster {self.cluster.name} (KUBECONFIG={self.cluster.kubeconfig}), work dir {self.workdir}"


def run(progress=print, keep: bool = False, workdir: Path | None = None, infra: str | None = None,
        part: str = "lab2", check_chart_repo: bool = True) -> Report:
    """`mlflow-labs run lab2` (``part="lab3-kubernetes"``: lab 3's Kubernetes README on the same path).
    ``infra`` kind | podman | auto: kind where it can run, else the chart's pods under podman (lab2/pods.py)."""
    if part not in labs():
        raise LabError(f"Unknown Kubernetes lab part {part!r}; choose one of {', '.join(labs())}.")
    try:
        path = choose_infra(infra, check_chart_repo)
    except LabError as exc:  # the skeleton's policy: a report with one paragraph, never an exception
        report = Report(labs()[part].key)
        report.error = str(exc)
        return report
    if path == "podman":
        from mlflow_labs.lab2 import pods
        return pods.run(progress=progress, keep=keep, workdir=workdir, part=part)
    return Lab2Run(part, check_chart_repo=check_chart_repo, progress=progress, keep=keep, workdir=workdir,
                   infra=infra).execute()
