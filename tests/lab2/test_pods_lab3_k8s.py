"""Lab 3 on Kubernetes on Podman: PostgreSQL as a pod from postgres.yaml, the chart with values-postgres.yaml.

Proves on the chart's own pods: the dbchecker init container holds MLflow back while the database
port is closed and lets it start once open (ERRATA 3); Helm rejects the notes' keys (ERRATA 2);
the notes' run survives deleting MLflow's pod, with its row in PostgreSQL; no password appears on
any command line while the steps run (every process's command line sampled from /proc).
"""

from __future__ import annotations

import pytest

from mlflow_labs.lab2 import pods
from tests.lab2.pod_runs import assert_nothing_left, assert_reported, executed, rows

pytestmark = pytest.mark.lab2


@pytest.fixture(scope="module")
def lab3_pods(pods_ready, keep_infra, progress, tmp_path_factory):
    return executed(pods.Lab3K8sPodsRun(progress=progress, keep=keep_infra,
                                        workdir=tmp_path_factory.mktemp("lab3-pods")), progress)


def test_lab3_on_pods_runs_without_error(lab3_pods):
    _, report = lab3_pods
    assert not report.error, report.table()
    steps = [r for r in report.rows if ".md:" in r.where]
    assert len(steps) >= 6 and all(r.status == "passed" for r in steps), report.table()


def test_init_container_gates_mlflow_on_the_database_port(lab3_pods):
    """ERRATA 3 on the chart's pod: closed port -> MLflow's container is not started while dbchecker waits
    (and dbchecker says so in its log); open -> it starts and serves."""
    _, report = lab3_pods
    gate = rows(report, "podman (ERRATA 3)")
    assert gate["database port closed: MLflow's container is not started while dbchecker waits"].status == "passed", \
        report.table()
    assert gate["dbchecker logs that it is waiting for postgres:5432"].status == "passed", report.table()
    assert gate["database port open: MLflow's container starts and serves"].status == "passed", report.table()


def test_notes_keys_rejected_by_helm_in_the_run(lab3_pods):
    _, report = lab3_pods
    helm = list(rows(report, "Helm (ERRATA 2)").values())
    assert helm and helm[0].status == "passed" and "backend" in helm[0].detail, report.table()


def test_run_and_its_row_survive_the_mlflow_pod(lab3_pods):
    _, report = lab3_pods
    after = rows(report, "lab2/checks.py expect=present")
    assert after and all(r.status == "passed" for r in after.values()), report.table()
    assert after["the run is the one logged before (same run_id)"].status == "passed"
    assert rows(report, "PostgreSQL")["the run's row is in PostgreSQL's runs table"].status == "passed"


def test_no_password_on_any_command_line(lab3_pods):
    run, report = lab3_pods
    row = rows(report, "ps")["no password on any command line during the steps"]
    assert row.status == "passed", row.detail
    assert run.watch.samples > 10, "too few samples to mean anything"


def test_every_manifest_change_is_reported(lab3_pods):
    _, report = lab3_pods
    assert_reported(report, "hostAliases postgres", "image postgres:16-alpine ->", "image busybox:1.38.0 ->",
                    "Secret postgres-admin -> resolved", "sh /script/dbchecker.sh", "podman exec -i")


def test_lab3_pods_leave_nothing_behind(lab3_pods, keep_infra):
    assert_nothing_left(lab3_pods[0], keep_infra)
