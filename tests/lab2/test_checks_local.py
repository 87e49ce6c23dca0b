"""Lab 2's checks and its README's own verification blocks, against real local MLflow servers (no cluster).

The Lab 2 README's train.py (the notes' instrumentation) logs to a local `mlflow server`. Then:
the "present" checks pass and the "lost" checks fail on that server; on a second, empty server
(what a replaced pod with a fresh /tmp serves) the "lost" checks pass and the "present" ones fail.
So each check is shown able to fail, on real servers, before it is trusted on a cluster.
"""

from __future__ import annotations

import pytest

from mlflow_labs.lab2 import checks
from mlflow_labs.harness.readme.runner import ReadmeRunner
from mlflow_labs.harness.readme.steps import DocStepError, port_substitution
from mlflow_labs.labs import get_lab, repo_root

pytestmark = [pytest.mark.lab2, pytest.mark.harness]

README = get_lab("lab2").readme


def _runner(workdir, port) -> ReadmeRunner:
    return ReadmeRunner(README, workdir, substitutions=[port_substitution(7006, port)], display_root=repo_root())


def _line(runner: ReadmeRunner, needle: str) -> int:
    return next(b.line for b in runner.blocks if needle in b.text)


def _failed(results):
    return {r.name for r in results if not r.ok}


@pytest.fixture(scope="module")
def logged(local_server, tmp_path_factory):
    """The session's local server with the README's run logged by the README's own train.py and check blocks."""
    runner = _runner(tmp_path_factory.mktemp("lab2-docs"), local_server.port)
    runner.run(only_lines={_line(runner, "import pickle"), _line(runner, "python train.py"),
                           _line(runner, "mlflow-labs check lab2")})
    return local_server, runner, (runner.cwd / "run_id.txt").read_text().strip()


@pytest.fixture
def empty_server(empty_mlflow_server):
    """What a replaced pod with a fresh /tmp serves: the plugin's empty server (one per session; these
    tests only read from it)."""
    return empty_mlflow_server


def test_present_checks_pass_for_the_notes_run(logged):
    server, _, run_id = logged
    results = checks.run_checks(server.uri, run_id=run_id)
    assert not _failed(results), [(r.name, r.detail) for r in results if not r.ok]
    names = " ".join(r.name for r in results)
    assert "test_size=0.2, alpha=0.5" in names and "model.pkl" in names and "same run_id" in names


def test_lost_checks_fail_while_the_run_exists(logged):
    server, _, run_id = logged
    assert _failed(checks.run_checks(server.uri, expect="lost", run_id=run_id)) == {
        "the run logged before the pod was deleted is gone", "experiment 'wine-prediction-mlops' is gone too"}


def test_readme_loss_block_fails_while_the_run_exists(logged):
    _, runner, run_id = logged
    with pytest.raises(DocStepError, match=f"run {run_id} is still there"):
        runner.run(only_lines={_line(runner, "RESOURCE_DOES_NOT_EXIST")})


def test_on_an_empty_server_the_run_is_reported_lost(logged, empty_server):
    _, runner, run_id = logged
    results = checks.run_checks(empty_server.uri, expect="lost", run_id=run_id)
    assert not _failed(results), [(r.name, r.detail) for r in results if not r.ok]
    present = checks.run_checks(empty_server.uri, run_id=run_id)
    assert "experiment 'wine-prediction-mlops' exists" in _failed(present)


def test_readme_loss_block_passes_on_an_empty_server(logged, empty_server, tmp_path):
    _, first, _ = logged
    runner = _runner(tmp_path, empty_server.port)
    (runner.cwd / "run_id.txt").write_text((first.cwd / "run_id.txt").read_text())
    step = runner.run_block(next(b for b in runner.blocks if "RESOURCE_DOES_NOT_EXIST" in b.text))
    assert step.status == "passed" and "is gone" in step.note


def test_lost_needs_a_known_run_id(empty_server):
    results = checks.run_checks(empty_server.uri, expect="lost")
    assert "the run logged before the pod was deleted is gone" in _failed(results)
