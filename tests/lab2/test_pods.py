"""Lab 2 and Lab 3 on Kubernetes on Podman: the real chart rendered by real Helm, its pods run by `podman kube play`.

No cluster: the README's helm command is rendered with `helm template` and its own flags; the
Deployment's pod runs under podman (`mlflow-labs run lab2 --infra podman` is the same LabRun).
Skips, with the install command, only where helm or podman is missing.
"""

from __future__ import annotations

import pytest

from mlflow_labs.errors import LabError, PrerequisiteMissing, StartupError
from mlflow_labs.harness.net import free_port
from mlflow_labs.infra import podman as pm
from mlflow_labs.lab2 import chart as cv
from mlflow_labs.lab2 import pods
from mlflow_labs.labs import get_lab
from tests.lab2.pod_runs import assert_nothing_left, assert_reported, executed, rows

pytestmark = pytest.mark.lab2


@pytest.fixture(scope="module")
def lab2_pods(pods_ready, keep_infra, progress, tmp_path_factory):
    return executed(pods.Lab2PodsRun(progress=progress, keep=keep_infra, workdir=tmp_path_factory.mktemp("lab2-pods")),
                    progress)


def test_lab2_on_pods_runs_without_error(lab2_pods):
    _, report = lab2_pods
    assert not report.error, report.table()
    steps = [r for r in report.rows if ".md:" in r.where]
    assert steps and all(r.status == "passed" for r in steps), report.table()


def test_lab2_notes_run_visible_through_the_pod(lab2_pods):
    _, report = lab2_pods
    checked = rows(report, "lab2/checks.py")
    assert checked and all(r.status == "passed" for r in checked.values()), report.table()
    assert "artifact 'model.pkl' downloads through the server" in checked


def test_lab2_run_lost_when_the_pod_is_deleted(lab2_pods):
    """ERRATA 4 on the chart's own pod: SQLite in the pod's emptyDir dies with the pod."""
    _, report = lab2_pods
    lost = rows(report, "lab2/checks.py expect=lost")
    assert lost["the run logged before the pod was deleted is gone"].status == "passed", report.table()


def test_the_pods_port_listens_on_loopback_only(lab2_pods):
    """ERRATA 7 on Podman, on the host's socket table (ss -ltn) while the pod ran: nothing on 0.0.0.0."""
    _, report = lab2_pods
    (row,) = rows(report, "ss -ltn (ERRATA 7)").values()
    assert row.status == "passed", report.table()
    assert "listens on 127.0.0.1:" in row.detail and "0.0.0.0" not in row.detail.split("only")[0], row.detail


def test_every_manifest_change_is_reported(lab2_pods):
    _, report = lab2_pods
    assert_reported(report, "helm template", "hostPort 127.0.0.1", "Secret mlflow-env-secret -> resolved",
                    "emptyDir tmp -> podman volume", "Deployment mlflow -> Pod")


def test_lab2_pods_leave_nothing_behind(lab2_pods, keep_infra):
    assert_nothing_left(lab2_pods[0], keep_infra)


# -- bad input ----------------------------------------------------------------------------------------
@pytest.mark.harness
def test_missing_podman_or_helm_is_a_prerequisite_with_the_install_command(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(PrerequisiteMissing) as err:
        pods.require_pods_prerequisites()
    assert "helm" in str(err.value) and "provision-k8s-tools" in err.value.fix
    with pytest.raises(PrerequisiteMissing) as err:
        pm.require_podman()
    assert "apt-get install podman" in err.value.fix
    report = pods.Lab2PodsRun(progress=None).execute()
    assert report.error.startswith("`helm` is not on PATH") and not report.ok


@pytest.mark.harness
def test_a_pod_that_never_becomes_ready_fails_within_a_bound_and_is_removed(pods_ready, tmp_path, progress):
    """A bad image: the error names the container and its log; the pod and its volumes are gone afterwards."""
    rendered = cv.render(next(i for i in cv.helm_invocations(get_lab("lab2").readme) if not i.expect_rejected))
    port = free_port()
    with pm.PodmanPods(tmp_path, prefix="badimg", progress=progress) as pp:
        # an image that exists but is not MLflow: its `mlflow` command is missing, the container exits
        base = pm.ensure_image("mlflow-labs/debian:bookworm", progress)
        plan = pm.PodPlan("mlflow", host_port=("mlflow", "mlflow", port), images={pods.CHART_MLFLOW_IMAGE: base})
        _, docs = pp.pod_manifest(rendered.docs, plan)
        with pytest.raises(StartupError) as err:
            pod = pp.play("mlflow", docs)
            pp.wait_http(pod, f"http://127.0.0.1:{port}/health", "mlflow", timeout=60)
        message = str(err.value)
        assert "container mlflow" in message and "last log lines" in message
        # why: podman's own error or the container's exit, e.g. the image has no `mlflow` command
        assert "executable file" in message or "exit code" in message or "no such file" in message, message
    assert pp.leftovers() == []


@pytest.mark.harness
def test_an_unknown_deployment_is_named(pods_ready, tmp_path):
    rendered = cv.render(next(i for i in cv.helm_invocations(get_lab("lab2").readme) if not i.expect_rejected))
    with pm.PodmanPods(tmp_path) as pp:
        with pytest.raises(LabError, match="0 Deployment.*named nosuch"):
            pp.pod_manifest(rendered.docs, pm.PodPlan("nosuch"))
