"""How lab 5's story check judges the runs against the README's outcome (pure logic; tests/lab5's near misses
show it through the real server and browser): the best run must be boosted trees on the cleaned data, and
every clean-data run must score above every raw-data run (the gap between the box plot's boxes)."""

from __future__ import annotations

import pytest

from mlflow_labs.lab5.comparators import story_problems
from mlflow_labs.lab5.story import METRIC

pytestmark = pytest.mark.unit


def _run(name: str, model: str, data: str, accuracy: float) -> dict:
    params = {"model": model, "data": data} if model else {"data": data}
    return {"info": {"run_name": name, "run_id": name},
            "data": {"params": [{"key": k, "value": v} for k, v in params.items()],
                     "metrics": [{"key": METRIC, "value": accuracy}],
                     "tags": [{"key": "mlflow.runName", "value": name}]}}


def _story(**changes) -> list[dict]:
    """The README's four runs (what train.py prints on this data), each changeable: name=(model, data, accuracy)."""
    runs = {"exp1-random-forest": ("random_forest", "raw", 0.8333),
            "exp2-logistic-regression": ("logistic_regression", "raw", 0.5926),
            "exp3-gradient-boosting-clean": ("gradient_boosting", "clean", 0.9630),
            "exp4-gradient-boosting-tweak": ("gradient_boosting", "raw", 0.8148)}
    runs.update(changes)
    return [_run(name, *fields) for name, fields in runs.items()]


def _problems(runs: list[dict]) -> list[str]:
    best = max(runs, key=lambda r: r["data"]["metrics"][0]["value"])  # what the runs check hands on
    return story_problems(runs, best)


def test_the_readmes_runs_tell_its_story():
    assert _problems(_story()) == []


def test_another_model_on_the_clean_data_winning_is_another_story():
    got = _problems(_story(**{"exp1-random-forest": ("random_forest", "clean", 1.0)}))
    assert got == ["the best run by accuracy, exp1-random-forest (100.0%), is random_forest on the clean data; the "
                   "README's story has gradient_boosting on the clean data win"]


def test_a_raw_data_run_winning_breaks_the_winner_and_the_gap():
    got = _problems(_story(**{"exp2-logistic-regression": ("logistic_regression", "raw", 1.0)}))
    assert len(got) == 2, got
    assert "is logistic_regression on the raw data" in got[0]
    assert "do not all score above the raw-data runs (81.5% to 100.0%)" in got[1]


def test_a_clean_run_below_a_raw_one_is_no_gap_even_when_the_winner_is_right():
    # exp4 trained on the raw data (81%) but logged data=clean: the clean box reaches below the raw box's top (83%)
    got = _problems(_story(**{"exp4-gradient-boosting-tweak": ("gradient_boosting", "clean", 0.8148)}))
    assert got == ["the clean-data runs (81.5% to 96.3%) do not all score above the raw-data runs (59.3% to 83.3%): "
                   "the boxes overlap, with no gap between them"]


def test_a_tie_with_a_raw_run_is_no_gap():
    assert "no gap" in _problems(_story(**{"exp1-random-forest": ("random_forest", "raw", 0.9630)}))[-1]


@pytest.mark.parametrize("data,missing", [("clean", "raw"), ("raw", "clean")])
def test_one_data_version_only_has_no_gap_to_show(data, missing):
    runs = [_run(f"run{i}", "gradient_boosting", data, 0.5 + i / 10) for i in range(3)]
    got = story_problems(runs, runs[-1])
    assert f"no run on the {missing} data" in got[-1], got


def test_a_winner_without_the_params_says_so():
    runs = _story(**{"exp3-gradient-boosting-clean": ("", "clean", 0.9630)})
    assert "is (no model param) on the clean data" in _problems(runs)[0]
