"""A lab 5 whose claim is broken fails the lab at its README's check line, as labs 1 and 4 do.

Each case copies the lab 5 README, breaks one thing it claims in the script it writes (`train.py`), runs the
copy's blocks on the session's server (tests/readme_mutation.py: a mutation of the script is not about the
server) and expects the README's own `mlflow-labs check lab5` block (a real browser) to fail, naming the check
a learner would see failing."""

from __future__ import annotations

import pytest

from mlflow_labs.lab5.checks import ARTIFACT, EXPERIMENT, METRIC, suite
from tests.readme_mutation import Mutation, mutation_test

pytestmark = [pytest.mark.lab5, pytest.mark.harness]  # README mutations prove the checks, not the learner's machine

MUTATIONS = {
    # what the README claims: the text in the README, its broken form, the check that must FAIL, its finding
    "the metric the runs are compared by": Mutation(
        f'mlflow.log_metric("{METRIC}", accuracy)', 'mlflow.log_metric("acc", accuracy)',
        "the experiment holds finished runs with the metric to compare", f"0 finished run(s) with metric '{METRIC}'"),
    "the stored model": Mutation(f'        mlflow.log_artifact("{ARTIFACT}")\n', "",
                                 f"(d) the run's Artifacts view lists {ARTIFACT}", f"], not {ARTIFACT}"),
    "CPU and memory charts": Mutation("run_name=run_name, log_system_metrics=True",
                                      "run_name=run_name, log_system_metrics=False",
                                      "(e) the run page shows its duration and system info, and CPU and memory charts",
                                      "lacks system metrics"),
    # the README's outcome: "raw" is the data with sensor glitches, which is why boosted trees on the cleaned data
    # win; without the glitches the logistic regression scores 100% on the "raw" data and comes first
    "which run wins, and why": Mutation("glitch = rng.random(X.shape) < 0.3", "glitch = rng.random(X.shape) < 0.0",
                                       next(c.name for c in suite.checks if c.name.startswith("the story:")),
                                       "is logistic_regression on the raw data"),
}

# the stored model, the system metrics and the story break three checks that look at different things (two pages,
# and the runs' params and accuracies): one copy breaks all three
test_a_broken_claim_fails_at_the_readme_check_line = mutation_test(
    "lab5", MUTATIONS, "lab5_uri", EXPERIMENT,
    together=(frozenset({"the stored model", "CPU and memory charts", "which run wins, and why"}),))
