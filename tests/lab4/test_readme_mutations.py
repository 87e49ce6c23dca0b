"""A lab 4 whose claim is broken fails the lab at its README's check line (issue: every claim has a test).

Each case copies the lab folder (README + project/), breaks one thing the README's introduction
claims (in the README or in the project it copies), runs the SAME lab-run code `mlflow-labs run lab4`
uses on the copy, and expects the README's own `mlflow-labs check lab4` block to fail, naming the
check a learner would see failing."""

from __future__ import annotations

import shutil

import pytest

from mlflow_labs.errors import PrerequisiteMissing
from mlflow_labs.lab4 import tools
from mlflow_labs.lab4.scenario import Lab4Run
from mlflow_labs.labs import get_lab
from tests.readme_mutation import assert_fails_at_check_line

pytestmark = [pytest.mark.lab4, pytest.mark.harness]

MUTATIONS = {
    # what the README claims     (file in the lab folder, its text, the broken form, the check that must FAIL,
    #                             its finding)
    "n_estimators logged is not the forest's": (
        "project/train.py", "RandomForestRegressor(n_estimators=args.n_estimators,",
        "RandomForestRegressor(n_estimators=args.n_estimators // 2,",
        "every run's params are the hyperparameters its model.pkl was built with", "but the model's n_estimators="),
    "one regularisation strength, not two": (
        "README.md", "--model elasticnet random_forest --alpha 0.01 0.1", "--model elasticnet random_forest --alpha 0.1",
        "the runs compare linear and tree models, each with two regularisation strengths on one data version",
        "the linear and a tree model each need two alphas"),
    "raw data is not the 178 wines": (
        "project/prepare_data.py", '.rename(columns={"target": "cultivar"})',
        '.rename(columns={"target": "cultivar"}).sample(frac=0.9, random_state=0)',
        "the raw data is 178 wines x 13 measurements, and a cleaned version has fewer rows",
        "the lab's raw export is 178 wines"),
}


@pytest.mark.parametrize("case", sorted(MUTATIONS))
def test_a_broken_claim_fails_at_the_readme_check_line(case, tmp_path, progress, tracking_uri_option):
    if tracking_uri_option:
        pytest.skip("--tracking-uri given: this test starts its own server")
    try:
        tools.git_executable(), tools.dvc_executable()
    except PrerequisiteMissing as exc:
        pytest.skip(str(exc))
    where_broken, original, broken, failing_check, finding = MUTATIONS[case]
    lab = tmp_path / "lab4"
    shutil.copytree(get_lab("lab4").dir, lab, ignore=shutil.ignore_patterns("__pycache__", "artifacts", "data"))
    target = lab / where_broken
    text = target.read_text()
    assert text.count(original) == 1, f"{where_broken} no longer contains {original!r}; update this test"
    target.write_text(text.replace(original, broken))

    report = Lab4Run(lab_dir=lab, workdir=tmp_path / "work", progress=progress).execute()

    assert_fails_at_check_line(report, lab / "README.md", "lab4", failing_check, finding)
