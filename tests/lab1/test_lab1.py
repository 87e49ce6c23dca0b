"""Lab 1 end to end: the README's own blocks start a real server, train, log; the REST checks prove it."""

from __future__ import annotations

import pytest

from mlflow_labs.lab1 import checks
from mlflow_labs.harness.client import TrackingClient
from mlflow_labs.harness.process import BackgroundProcess
from mlflow_labs.lab1 import scenario

pytestmark = pytest.mark.lab1


@pytest.fixture(scope="module")
def lab1_docs(tmp_path_factory, progress, tracking_uri_option):
    """Run the whole Lab 1 README once for this module; the server it started stays up until the end."""
    if tracking_uri_option:
        pytest.skip(f"--mlflow-labs-tracking-uri {tracking_uri_option} given: checking that server, not starting one")
    with scenario.Lab1Run(workdir=tmp_path_factory.mktemp("lab1"), progress=progress) as lab:
        lab.setup()
        lab.run_readme()
        yield lab.docs, lab.uri


def test_every_readme_block_ran_or_was_skipped_with_reason(lab1_docs):
    docs, _ = lab1_docs
    statuses = {s.where: (s.status, s.note) for s in docs.steps}
    assert statuses, "no steps ran"
    for where, (status, note) in statuses.items():
        assert status in {"passed", "skipped", "shown"}, where
        if status == "skipped":
            assert note.strip(), f"{where} skipped without a reason"
    assert any(s.action == "background" and s.status == "passed" for s in docs.steps)
    assert any("python train.py" in s.summary and s.status == "passed" for s in docs.steps)


def test_port_substitution_is_reported(lab1_docs):
    docs, uri = lab1_docs
    port = uri.rsplit(":", 1)[1]
    assert any("7006" in reason and port in reason for reason in docs.applied), docs.applied


@pytest.fixture(scope="module")
def lab1_uri(request, tracking_uri_option):
    """The learner's server when --mlflow-labs-tracking-uri is given, else the one the README started."""
    return tracking_uri_option or request.getfixturevalue("lab1_docs")[1]


def test_checks_pass(request, lab1_uri, lab_report, tracking_uri_option):
    uri = lab1_uri
    results = checks.run_checks(uri)
    # reports/lab1.json and the end-of-session table: the README steps (when the harness ran them) and the checks
    report = lab_report("lab1")
    if not tracking_uri_option:
        docs = request.getfixturevalue("lab1_docs")[0]
        report.substitutions.update(docs.applied)
        report.add_steps(docs.steps)
    report.add_checks(results, "lab1/checks.py")
    failed = [f"{r.name}: {r.detail}" for r in results if not r.ok]
    assert not failed, failed
    assert [r.name for r in results] == [c.name for c in checks.suite.checks], "not every check ran"


def test_run_has_the_documented_params_metrics_and_artifact(lab1_docs):
    """Independently of the check module: read the run straight from the REST API."""
    _, uri = lab1_docs
    c = TrackingClient(uri)
    exp = c.experiment_by_name("wine-prediction-mlops")
    runs = c.search_runs([exp["experiment_id"]], filter="attributes.run_name = 'Run_v1'")
    assert len(runs) == 1
    data = runs[0]["data"]
    assert {p["key"]: p["value"] for p in data["params"]} == {"test_size": "0.2", "alpha": "0.5"}
    assert {m["key"] for m in data["metrics"]} == {"rmse", "r2"}
    files = [f["path"] for f in c.list_artifacts(runs[0]["info"]["run_id"])]
    assert files == ["model.pkl"]


def test_run_survives_server_restart(lab1_docs):
    docs, uri = lab1_docs
    c = TrackingClient(uri)
    exp = c.experiment_by_name("wine-prediction-mlops")
    before = {r["info"]["run_id"] for r in c.search_runs([exp["experiment_id"]])}
    line = docs.background_lines()[0]
    old_pid = docs.background_process(line).pid
    step = docs.restart_background(line)
    assert step.status == "passed"
    # a NEW server answers: the old one's whole process group is gone, the new process is another
    new = docs.background_process(line)
    assert not BackgroundProcess.group_alive(old_pid), "the old server outlived the stop"
    assert new.alive() and new.proc.pid != old_pid
    assert TrackingClient(uri).ensure_mlflow()
    after = {r["info"]["run_id"] for r in c.search_runs([exp["experiment_id"]])}
    assert before and after == before
    assert all(r.ok for r in checks.run_checks(uri)), [r for r in checks.run_checks(uri) if not r.ok]


def test_learner_check_command_in_readme_ran_against_the_server(lab1_docs):
    docs, _ = lab1_docs
    step = next(s for s in docs.steps if "mlflow-labs check lab1" in s.summary)
    assert step.status == "passed"
    assert "0 failed" in step.note
