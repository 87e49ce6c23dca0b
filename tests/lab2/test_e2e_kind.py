"""Lab 2 and Lab 3 on Kubernetes, end to end on a real kind cluster (one per lab, deleted afterwards).

Needs Docker, kind, helm, kubectl and internet (node image, chart, MLflow image). Where any is
missing, each test skips with the exact missing pieces and their install commands, before
creating anything. `--mlflow-labs-keep-infra` keeps the clusters (their KUBECONFIG is printed).
"""

from __future__ import annotations

import pytest

from mlflow_labs.errors import PrerequisiteMissing
from mlflow_labs.lab2 import scenario

pytestmark = pytest.mark.lab2


@pytest.fixture(scope="module")
def kind_ready():
    try:
        scenario.require_prerequisites()
    except PrerequisiteMissing as exc:
        pytest.skip(str(exc))


def _rows(report, where_prefix: str):
    return {r.step: r for r in report.rows if r.where.startswith(where_prefix)}


def _assert_ran_every_block(report):
    doc_rows = [r for r in report.rows if ".md:" in r.where]
    assert doc_rows, "no README step ran"
    bad = [f"{r.where} {r.status}: {r.detail}" for r in doc_rows if r.status not in ("passed", "skipped", "shown")]
    assert not bad, bad
    assert all(r.detail for r in doc_rows if r.status == "skipped"), "a README block was skipped without a reason"


def _run(part, keep, progress):
    report = scenario.run(progress=progress, keep=keep, part=part)
    progress("\n" + report.table())
    progress(f"written: {report.write_json()}")
    return report


@pytest.fixture(scope="module")
def lab2_report(kind_ready, keep_infra, progress):
    return _run("lab2", keep_infra, progress)


@pytest.fixture(scope="module")
def lab3_k8s_report(kind_ready, keep_infra, progress):
    return _run("lab3-kubernetes", keep_infra, progress)


def test_lab2_readme_runs_on_kind(lab2_report):
    assert not lab2_report.error, lab2_report.table()
    _assert_ran_every_block(lab2_report)


def test_lab2_run_visible_through_the_port_forward(lab2_report):
    rows = _rows(lab2_report, "lab2/checks.py")
    assert rows and all(r.status == "passed" for r in rows.values()), lab2_report.table()
    assert "params are exactly test_size=0.2, alpha=0.5" in rows
    assert "artifact 'model.pkl' downloads through the server" in rows


def test_lab2_run_lost_when_the_pod_is_deleted(lab2_report):
    """ERRATA 4: the basic install keeps its SQLite inside the pod; the replacement pod has no runs."""
    replaced = _rows(lab2_report, "Kubernetes API after delete")
    assert replaced["the MLflow pod was replaced by a new one (Kubernetes API)"].status == "passed", lab2_report.table()
    lost = _rows(lab2_report, "lab2/checks.py expect=lost")
    assert lost["the run logged before the pod was deleted is gone"].status == "passed", lab2_report.table()


def test_lab3_on_kind_pod_has_the_db_check_init_container(lab3_k8s_report):
    """ERRATA 3 through the Kubernetes API: with databaseConnectionCheck=true the pod has `dbchecker`."""
    api = _rows(lab3_k8s_report, "Kubernetes API")
    assert api["pod has the 'dbchecker' init container (Kubernetes API)"].status == "passed", lab3_k8s_report.table()


def test_lab3_on_kind_run_survives_the_pod(lab3_k8s_report):
    assert not lab3_k8s_report.error, lab3_k8s_report.table()
    _assert_ran_every_block(lab3_k8s_report)
    after = _rows(lab3_k8s_report, "lab2/checks.py expect=present")
    assert after and all(r.status == "passed" for r in after.values()), lab3_k8s_report.table()
    assert after["the run is the one logged before (same run_id)"].status == "passed"
    api = _rows(lab3_k8s_report, "Kubernetes API after delete")
    assert all(r.status == "passed" for r in api.values()), lab3_k8s_report.table()
