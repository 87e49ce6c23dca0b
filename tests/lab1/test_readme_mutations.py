"""A README whose claim is broken fails the lab at that README's line (issue: every claim has a test).

Each case copies the lab 1 README, breaks one thing the lab claims, runs the copy's blocks on the session's
server (tests/readme_mutation.py: the mutation is in the script, not the server) and expects the README's own
`mlflow-labs check` block to fail, naming the check a learner would see failing."""

from __future__ import annotations

import pytest

from mlflow_labs.lab1 import checks
from tests.readme_mutation import Mutation, mutation_test

pytestmark = [pytest.mark.lab1, pytest.mark.harness]

MUTATIONS = {
    # what the README claims: the text in the README, its broken form, the check that must FAIL, its finding
    "alpha logged as 0.6": Mutation("ALPHA = 0.5", "ALPHA = 0.6", "params are exactly test_size=0.2, alpha=0.5",
                                    "'alpha': '0.6'"),
    "model.pkl not logged": Mutation('    mlflow.log_artifact("artifacts/model.pkl")\n', "",
                                     "artifact 'model.pkl' is listed", ", no model.pkl"),
    "run logged under another name": Mutation('run_name="Run_v1"', 'run_name="Run_v2"',
                                              "run 'Run_v1' exists and FINISHED", "no run named 'Run_v1'"),
}

test_a_broken_claim_fails_at_the_readme_check_line = mutation_test("lab1", MUTATIONS, "lab1_uri", checks.EXPERIMENT)
