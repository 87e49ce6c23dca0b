"""How lab 5's compare and system-metrics checks judge what the page shows (pure logic; tests/lab5 reads
the real page). Each reads one cell / one plot: a value shown elsewhere, or a number that merely contains
the expected one, fails."""

from __future__ import annotations

import pytest

from mlflow_labs.lab5.checks import METRIC, chart_problems, compare_problems

pytestmark = pytest.mark.unit


def _run(name: str, params: dict, accuracy: float) -> dict:
    return {"info": {"run_name": name, "run_id": name},
            "data": {"params": [{"key": k, "value": v} for k, v in params.items()],
                     "metrics": [{"key": METRIC, "value": accuracy}],
                     "tags": [{"key": "mlflow.runName", "value": name}]}}


RUNS = [_run("exp1", {"n_estimators": "10", "data": "raw"}, 0.833),
        _run("exp4", {"n_estimators": "100", "data": "raw"}, 0.815)]


def _table(**over) -> dict:
    """(the Run details table's rows, the metrics grid's rows) as the page shows them for RUNS."""
    rows = {"Run Name:": ["exp1", "exp4"], "n_estimators": ["10", "100"], "data": ["raw", "raw"]}
    metrics = {METRIC: ["0.833", "0.815"], "system/cpu_utilization_percentage": ["37.25", "12.5"]}
    for k, v in over.items():
        (metrics if k == METRIC else rows)[k] = v
    return rows, metrics


def test_the_right_table_has_no_problem():
    assert compare_problems(*_table(), RUNS) == []


@pytest.mark.parametrize("rows,said", [
    # exp1's 10 is in the row only as part of exp4's 100 (the old substring check passed this)
    (_table(n_estimators=["", "100"]), "param n_estimators of exp1 is '10'; its column shows ''"),
    # the two runs' values swapped between columns (the old 'anywhere in the row' check passed this)
    (_table(n_estimators=["100", "10"]), "param n_estimators of exp1 is '10'; its column shows '100'"),
    # the metrics swapped: every number is somewhere in the section (the old check passed this)
    (_table(**{METRIC: ["0.815", "0.833"]}), f"{METRIC} of exp1 is 0.8330; its column shows '0.815'"),
    (_table(**{"Run Name:": ["exp1", "exp9"]}), "run 'exp4' has no column"),
    (({k: v for k, v in _table()[0].items() if k != "data"}, _table()[1]), "param 'data' has no row"),
    ((_table()[0], {}), f"metric '{METRIC}' has no row"),
])
def test_a_value_in_the_wrong_column_is_a_problem(rows, said):
    problems = compare_problems(*rows, RUNS)
    assert any(said in p for p in problems), problems


HISTORY = [{"value": 12.5, "step": 0}, {"value": 99.0, "step": 1}, {"value": 37.25, "step": 2}]


def test_a_chart_of_the_runs_own_values_passes():
    assert chart_problems([{"name": "exp3", "y": [12.5, 99.0, 37.25]}], "cpu_utilization_percentage", HISTORY) == []


@pytest.mark.parametrize("traces,said", [
    (None, "no chart titled"),
    ([{"name": "", "y": []}], "plots no point"),
    # another metric's values under this title (memory megabytes): a plot, but not this run's CPU
    ([{"name": "exp3", "y": [1024.0, 1031.5]}], "value(s) the run did not record"),
])
def test_a_chart_without_the_runs_values_is_a_problem(traces, said):
    problems = chart_problems(traces, "cpu_utilization_percentage", HISTORY)
    assert len(problems) == 1 and said in problems[0], problems
