"""A lab 4 whose claim is broken fails the lab at its README's check line (issue: every claim has a test).

The lab folder (README + project/) is copied with every claim below broken at once (each breaks a check the
others do not touch), the SAME lab-run code `mlflow-labs run lab4` uses runs the copy once
(tests/readme_mutation.py's combined run: the README is long, its check block its last step), and each case
expects the README's own `mlflow-labs check lab4` block to fail with its own check's finding."""

from __future__ import annotations

import pytest

from mlflow_labs.errors import PrerequisiteMissing
from mlflow_labs.lab4 import tools
from mlflow_labs.lab4.scenario import Lab4Run
from tests.readme_mutation import Mutation, combined_mutation_test

pytestmark = [pytest.mark.lab4, pytest.mark.harness]

MUTATIONS = {
    # what the README claims: the file in the lab folder, its text, the broken form, the check that must FAIL,
    # its finding
    "n_estimators logged is not the forest's": Mutation(
        "RandomForestRegressor(n_estimators=args.n_estimators,", "RandomForestRegressor(n_estimators=args.n_estimators // 2,",
        "every run's params are the hyperparameters its model.pkl was built with", "but the model's n_estimators=",
        file="project/train.py"),
    "one regularisation strength, not two": Mutation(
        "--model elasticnet random_forest --alpha 0.01 0.1", "--model elasticnet random_forest --alpha 0.1",
        "the runs compare linear and tree models, each with two regularisation strengths on one data version",
        "the linear and a tree model each need two alphas"),
    "raw data is not the 178 wines": Mutation(
        '.rename(columns={"target": "cultivar"})', '.rename(columns={"target": "cultivar"}).sample(frac=0.9, random_state=0)',
        "the raw data is 178 wines x 13 measurements, and a cleaned version has fewer rows",
        "the lab's raw export is 178 wines", file="project/prepare_data.py"),
}


def run_lab4(lab, work, progress):
    try:
        tools.git_executable(), tools.dvc_executable()
    except PrerequisiteMissing as exc:
        pytest.skip(str(exc))
    return Lab4Run(lab_dir=lab, workdir=work, progress=progress).execute()


combined_mutation_run, test_a_broken_claim_fails_at_the_readme_check_line = combined_mutation_test(
    "lab4", MUTATIONS, run_lab4)
