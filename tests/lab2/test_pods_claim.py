"""Issue 21 item 4, end to end on Podman: the near miss of "deleting the pod loses the run". The same
lab 2 install plus a PersistentVolumeClaim holding SQLite and the artifacts (the chart's extraVolumes)
KEEPS the run when the pod is deleted and replaced, so lab 2's "lost" check fails on it, while the basic
install's emptyDir loses it (test_pods.py::test_lab2_run_lost_when_the_pod_is_deleted). Shows the harness
removes only what Kubernetes removes with a pod (emptyDir), never a claim's data."""

from __future__ import annotations

import dataclasses

import pytest
import yaml

from mlflow_labs.lab2 import chart as cv
from mlflow_labs.lab2 import pods
from tests.lab2.pod_runs import assert_nothing_left, executed, rows

pytestmark = [pytest.mark.lab2, pytest.mark.harness]

CLAIM_VALUES = {
    "extraVolumes": [{"name": "data", "persistentVolumeClaim": {"claimName": "mlflow-data"}}],
    "extraVolumeMounts": [{"name": "data", "mountPath": "/data"}],
    "backendStore": {"defaultSqlitePath": "/data/mlflow.db"},
    "artifactRoot": {"defaultArtifactsDestination": "/data/mlartifacts"},
}


class Lab2ClaimPodsRun(pods.Lab2PodsRun):
    """Lab 2 on pods with the README's install and one more values file: SQLite and artifacts on a claim."""

    def __init__(self, values, **kw):
        super().__init__(**kw)
        self.values = values

    def steps(self) -> None:
        inv = next(i for i in cv.helm_invocations(self.readme) if not i.expect_rejected)
        inv = dataclasses.replace(inv, flags=[*inv.flags, "-f", str(self.values)])
        with self.phase("render (helm template)"):
            rendered = self.helm_step(inv)
        with self.phase("pod start"):
            self.start_mlflow(rendered)
        with self.phase("notes' run through the pod"):
            self.run_blocks(self.block_line("", file="train.py"), self.block_line("python train.py"),
                            self.block_line("mlflow-labs check lab2"))
            self.run_id_logged = (self.docs.cwd / "run_id.txt").read_text().strip()
        with self.phase("pod deleted and replaced"):
            self.replace_mlflow_pod()
        with self.phase("checks after pod replacement"):
            self.checks_through_pod("after replacement: present", run_id=self.run_id_logged)
            self.checks_through_pod("after replacement: expect=lost", expect="lost", run_id=self.run_id_logged)


@pytest.fixture(scope="module")
def claim_run(pods_ready, keep_infra, progress, tmp_path_factory):
    work = tmp_path_factory.mktemp("lab2-pods-claim")
    values = work / "values-claim.yaml"
    values.write_text(yaml.safe_dump(CLAIM_VALUES))
    run = Lab2ClaimPodsRun(values, progress=progress, keep=keep_infra, workdir=work / "run", report_name="lab2-claim")
    return executed(run, progress, write=False)


def test_a_claim_keeps_the_run_when_the_pod_is_replaced(claim_run):
    _, report = claim_run
    assert not report.error, report.table()
    kept = rows(report, "after replacement: present")
    assert kept and all(r.status == "passed" for r in kept.values()), report.table()
    assert kept["the run is the one logged before (same run_id)"].status == "passed", report.table()
    assert "artifact 'model.pkl' downloads through the server" in kept, report.table()
    lost = rows(report, "after replacement: expect=lost")
    gone = lost["the run logged before the pod was deleted is gone"]
    assert gone.status == "failed" and "is still on the server" in gone.detail, report.table()


def test_the_claims_volume_is_reported_and_removed_with_the_run(claim_run, keep_infra):
    run, report = claim_run
    assert any(s.startswith("PersistentVolumeClaim mlflow-data -> podman volume") for s in report.substitutions), \
        report.substitutions
    assert_nothing_left(run, keep_infra)
