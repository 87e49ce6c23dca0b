"""scripts/test's order: the longest env first (from the last run's seconds, else the built-in table; an
env known to neither first of all), so N at a time never ends with one long env running alone."""

from __future__ import annotations

import importlib.util
import json

import pytest

from mlflow_labs.labs import repo_root

pytestmark = pytest.mark.unit


def scheduler():
    spec = importlib.util.spec_from_file_location("run_envs", repo_root() / "scripts" / "_run_envs.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_the_built_in_table_puts_the_longest_env_first():
    s = scheduler()
    assert s.longest_first(["unit", "lab1", "lab6", "grade", "byhand"], {}) == ["byhand", "lab1", "lab6", "grade", "unit"]


def test_the_last_measured_seconds_win_and_an_unknown_env_goes_first(tmp_path):
    s = scheduler()
    (tmp_path / s.MEASURED).write_text(json.dumps({"lab6": 500, "unit": 2000}))
    measured = s.measured_seconds(tmp_path)
    assert s.longest_first(["lab1", "lab6", "unit", "lab99"], measured) == ["lab99", "unit", "lab1", "lab6"]


def test_an_unreadable_measurement_falls_back_to_the_table(tmp_path):
    s = scheduler()
    (tmp_path / s.MEASURED).write_text("{not json")
    assert s.measured_seconds(tmp_path) == {}
    assert s.measured_seconds(tmp_path / "nowhere") == {}
