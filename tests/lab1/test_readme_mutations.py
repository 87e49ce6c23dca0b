"""A README whose claim is broken fails the lab at that README's line (issue: every claim has a test).

Each case copies the lab 1 README, breaks one thing the lab claims, runs the SAME lab-run code
`mlflow-labs run lab1` uses on the copy, and expects the README's own `mlflow-labs check` block to
fail, naming the check a learner would see failing."""

from __future__ import annotations

import pytest

from mlflow_labs.lab1.scenario import Lab1Run
from mlflow_labs.labs import get_lab
from tests.readme_mutation import assert_fails_at_check_line

pytestmark = [pytest.mark.lab1, pytest.mark.harness]

MUTATIONS = {
    # what the README claims          (text in the README, its broken form, the check that must FAIL, its finding)
    "alpha logged as 0.6": ("ALPHA = 0.5", "ALPHA = 0.6", "params are exactly test_size=0.2, alpha=0.5",
                            "'alpha': '0.6'"),
    "model.pkl not logged": ('    mlflow.log_artifact("artifacts/model.pkl")\n', "", "artifact 'model.pkl' is listed",
                             ", no model.pkl"),
    "run logged under another name": ('run_name="Run_v1"', 'run_name="Run_v2"', "run 'Run_v1' exists and FINISHED",
                                      "no run named 'Run_v1'"),
}


@pytest.mark.parametrize("case", sorted(MUTATIONS))
def test_a_broken_claim_fails_at_the_readme_check_line(case, tmp_path, progress, tracking_uri_option):
    if tracking_uri_option:
        pytest.skip("--tracking-uri given: this test starts its own servers")
    original, broken, failing_check, finding = MUTATIONS[case]
    text = get_lab("lab1").readme.read_text()
    assert text.count(original) == 1, f"the README no longer contains {original!r}; update this test"
    copy = tmp_path / "README.md"
    copy.write_text(text.replace(original, broken))

    report = Lab1Run(readme=copy, workdir=tmp_path / "work", progress=progress).execute()

    assert_fails_at_check_line(report, copy, "lab1", failing_check, finding)
