"""Lab 2 and Lab 3 on Kubernetes: run the READMEs on a real kind cluster, check through the port-forward.

What `mlflow-labs run lab2` (and `tox -e lab2`) does:
  1. preflight: Docker daemon, kind, helm, kubectl, the chart repository; anything missing raises
     PrerequisiteMissing naming every missing piece and its install command, before anything starts;
  2. the README's blocks in order, with a unique cluster name, a kubeconfig in a temp dir (never
     the learner's ~/.kube/config) and a free port for 7006;
  3. between blocks: the REST checks (checks/lab2.py) and Kubernetes API checks (pod replaced,
     init containers); 4. the cluster deleted in `finally` unless keep=True.
"""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from mlflow_labs.harness.suite import CheckResult
from mlflow_labs.harness.docs import ReadmeRunner, Substitution, port_substitution
from mlflow_labs.harness.errors import LabError, PrerequisiteMissing
from mlflow_labs.labs import get_lab, repo_root
from mlflow_labs.harness.net import free_port
from mlflow_labs.harness.report import Report

DOCUMENTED_PORT = 7006
LOAD_IMAGES_ENV = "MLFLOW_LABS_KIND_LOAD_IMAGES"   # comma-separated local images for air-gapped clusters
CHART_REPO_CHECK_ENV = "MLFLOW_LABS_SKIP_NETWORK_CHECKS"  # preflight without probing Docker Hub or the chart repo


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
    lab2 = get_lab("lab2")
    lab3 = get_lab("lab3")
    return {
        "lab2": K8sLab("lab2", lab2.readme, "basic-mlflow-cluster", "default", "lost", True, None),
        "lab3-kubernetes": K8sLab("lab3-kubernetes", lab3.dir / "kubernetes" / "README.md",
                                  "production-mlflow-cluster", "mlflow", "present", False, "dbchecker"),
    }


# -- preflight ----------------------------------------------------------------------------------
def missing_prerequisites(check_chart_repo: bool = True) -> list[PrerequisiteMissing]:
    """Every piece the Kubernetes labs need that this machine lacks, each with its fix."""
    from mlflow_labs.infra.tools import INSTALL, ToolError, run_tool
    from mlflow_labs.preflight import docker_daemon

    missing = []

    def lack(piece: str, what: str, fix: str) -> None:
        m = PrerequisiteMissing(what, fix)
        m.piece = piece
        missing.append(m)

    if not shutil.which("docker"):
        lack("docker", "Docker is not installed.", INSTALL["docker"])
    elif docker_daemon() is None:
        lack("docker", "The Docker daemon does not answer (`docker version` shows no server).",
             "start it: sudo systemctl start docker (and add your user to the docker group)")
    for tool in ("kind", "helm", "kubectl"):
        if not shutil.which(tool):
            lack(tool, f"`{tool}` is not on PATH.", INSTALL[tool])
    if check_chart_repo and not missing and not os.environ.get(CHART_REPO_CHECK_ENV):
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
    if check_chart_repo and shutil.which("helm") and not os.environ.get(CHART_REPO_CHECK_ENV):
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
    choice = choice or os.environ.get("MLFLOW_LABS_K8S_INFRA") or "auto"
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
    t0 = time.monotonic()
    try:
        detail, ok = func(), True
    except (LabError, AssertionError) as exc:
        detail, ok = str(exc), False
    return CheckResult(name, ok, detail, "" if ok else "see the pod with kubectl describe", time.monotonic() - t0)


def load_images(cluster, progress) -> list[str]:
    images = [i.strip() for i in os.environ.get(LOAD_IMAGES_ENV, "").split(",") if i.strip()]
    for image in images:
        cluster.load_docker_image(image)
    return images


# -- the scenario -------------------------------------------------------------------------------------------
def run(progress=print, keep: bool = False, part: str = "lab2", workdir: Path | None = None,
        check_chart_repo: bool = True, **options) -> Report:
    """Run one Kubernetes lab (``part`` = "lab2" or "lab3-kubernetes") end to end on a new kind cluster,
    or with ``infra="podman"`` its chart's pods under podman (lab2/pods.py); ``auto`` picks kind where it runs."""
    from mlflow_labs.lab2 import checks
    from mlflow_labs.infra.kind import KindCluster
    from mlflow_labs.infra.kube import core_api, init_container_names, list_pods, release_selector, wait_pods_ready

    spec = labs().get(part)
    if spec is None:
        raise LabError(f"Unknown Kubernetes lab part {part!r}; choose one of {', '.join(labs())}.")
    if choose_infra(options.pop("infra", None), check_chart_repo) == "podman":
        from mlflow_labs.lab2 import pods
        return pods.run(progress=progress, keep=keep, workdir=workdir, part=part)
    require_prerequisites(check_chart_repo)

    report = Report(spec.key)
    port = free_port()
    uri = f"http://127.0.0.1:{port}"
    cluster = KindCluster(prefix=spec.key.replace("-kubernetes", "k8s"), keep=keep, progress=progress)
    docs = ReadmeRunner(spec.readme, workdir,
                        substitutions=[
                            port_substitution(DOCUMENTED_PORT, port),
                            Substitution(spec.cluster_placeholder, cluster.name,
                                         f"cluster {spec.cluster_placeholder} -> {cluster.name} (unique, so runs never collide)"),
                        ],
                        env=cluster.env, display_root=repo_root(), progress=progress)
    selector = release_selector("mlflow")
    results: list[tuple[str, list]] = []
    try:
        create = _line_of(docs, "kind create cluster")
        delete_pod = _line_of(docs, "delete pod")
        forwards = docs.background_lines()
        second_forward = next(line for line in forwards if line > delete_pod)
        delete_cluster = _line_of(docs, "kind delete cluster")

        with report.phase("cluster and install"):
            _run_range(docs, 0, create + 1)
            if load_images(cluster, progress):
                progress(f"loaded local images into {cluster.name}")
            _run_range(docs, create + 1, delete_pod)
        api = core_api(cluster.api_client())
        before = wait_pods_ready(api, spec.namespace, selector, timeout=60)
        run_id = (docs.cwd / "run_id.txt").read_text().strip()

        with report.phase("checks"):
            api_rows = []
            if spec.init_container:
                def has_init():
                    names = init_container_names(before[0])
                    assert spec.init_container in names, f"pod {before[0].metadata.name} init containers: {names}"
                    return f"pod {before[0].metadata.name} init containers: {names}"
                api_rows.append(_api_check(f"pod has the '{spec.init_container}' init container (Kubernetes API)", has_init))
            results.append(("Kubernetes API", api_rows))
            results.append(("checks/lab2.py", checks.run_checks(uri, run_id=run_id, artifacts=spec.artifacts)))

        with report.phase("pod deleted and replaced"):
            _run_range(docs, delete_pod, second_forward)
            docs.stop_background(forwards[0])  # bound to the deleted pod
            _run_range(docs, second_forward, delete_cluster)

        with report.phase("checks after pod replacement"):
            old_uids = {p.metadata.uid for p in before}

            def replaced():
                now = [p for p in list_pods(api, spec.namespace, selector) if p.metadata.deletion_timestamp is None]
                assert now and not ({p.metadata.uid for p in now} & old_uids), \
                    f"pods now {[p.metadata.name for p in now]} include the one before the delete"
                return f"{before[0].metadata.name} -> {now[0].metadata.name}"
            rows = [_api_check("the MLflow pod was replaced by a new one (Kubernetes API)", replaced)]
            if spec.init_container:
                def still_init():
                    pod = wait_pods_ready(api, spec.namespace, selector, timeout=60, exclude_uids=old_uids)[0]
                    names = init_container_names(pod)
                    assert spec.init_container in names, f"new pod init containers: {names}"
                    return f"new pod {pod.metadata.name} init containers: {names}"
                rows.append(_api_check(f"the new pod has '{spec.init_container}' too", still_init))
            results.append(("Kubernetes API after delete", rows))
            after = checks.run_checks(uri, expect=spec.after_delete, run_id=run_id, artifacts=False)
            results.append((f"checks/lab2.py expect={spec.after_delete}", after))

        if not keep:
            with report.phase("teardown"):
                docs.stop_background()
                _run_range(docs, delete_cluster)
    except Exception as exc:  # the report still shows every step that ran
        report.error = str(exc)
    finally:
        docs.close()
        try:
            cluster.__exit__(None, None, None)  # delete unless keep; a no-op if the README deleted it
        except LabError as exc:
            report.error = (report.error + "\n" if report.error else "") + f"cleanup: {exc}"
        report.substitutions = dict(docs.applied)
        report.add_steps(docs.steps)
        for where, res in results:
            report.add_checks(res, where)
        if keep:
            progress(f"--keep-infra: cluster {cluster.name} kept (KUBECONFIG={cluster.kubeconfig}), "
                     f"work dir {docs.workdir}")
    return report
