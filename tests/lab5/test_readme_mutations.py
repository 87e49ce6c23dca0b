"""A lab 5 whose claim is broken fails the lab at its README's check line, as labs 1 and 4 do.

Each case copies the lab 5 README, breaks one thing it claims in the script it writes (`train.py`),
runs the SAME lab-run code `mlflow-labs run lab5` uses on the copy, and expects the README's own
`mlflow-labs check lab5` block (a real browser on the README's server) to fail, naming the check a
learner would see failing."""

from __future__ import annotations

import pytest

from mlflow_labs.lab5.checks import ARTIFACT, METRIC
from mlflow_labs.lab5.scenario import Lab5Run
from mlflow_labs.labs import get_lab
from tests.readme_mutation import assert_fails_at_check_line

pytestmark = [pytest.mark.lab5, pytest.mark.harness]  # README mutations prove the checks, not the learner's machine

MUTATIONS = {
    # what the README claims    (text in the README, its broken form, the check that must FAIL, its finding)
    "the metric the runs are compared by": (
        f'mlflow.log_metric("{METRIC}", accuracy)', 'mlflow.log_metric("acc", accuracy)',
        "the experiment holds finished runs with the metric to compare",
        f"0 finished run(s) with metric '{METRIC}'"),
    "the stored model": (f'        mlflow.log_artifact("{ARTIFACT}")\n', "",
                         f"(d) the run's Artifacts view lists {ARTIFACT}", f"], not {ARTIFACT}"),
    "CPU and memory charts": ("run_name=run_name, log_system_metrics=True", "run_name=run_name, log_system_metrics=False",
                              "(e) the run page shows its duration and system info, and CPU and memory charts",
                              "lacks system metrics"),
}


@pytest.mark.parametrize("case", sorted(MUTATIONS))
def test_a_broken_claim_fails_at_the_readme_check_line(case, need_browser, tmp_path, progress, tracking_uri_option):
    if tracking_uri_option:
        pytest.skip("--tracking-uri given: this test starts its own server")
    original, broken, failing_check, finding = MUTATIONS[case]
    text = get_lab("lab5").readme.read_text()
    assert text.count(original) == 1, f"the README no longer contains {original!r}; update this test"
    copy = tmp_path / "README.md"
    copy.write_text(text.replace(original, broken))

    report = Lab5Run(readme=copy, workdir=tmp_path / "work", shots=tmp_path / "shots", progress=progress).execute()

    assert_fails_at_check_line(report, copy, "lab5", failing_check, finding)
