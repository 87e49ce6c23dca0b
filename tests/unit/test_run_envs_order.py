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
    envs = ["unit", "lab1", "lab6", "grade", "byhand"]
    assert s.longest_first(envs, {}) == sorted(envs, key=lambda e: -s.STATIC_SECONDS[e])
    assert s.longest_first(envs, {})[0] == max(s.STATIC_SECONDS, key=s.STATIC_SECONDS.get)


def test_the_last_measured_seconds_win_and_an_unknown_env_goes_first(tmp_path):
    s = scheduler()
    # lab6 measured shorter than lab1's table figure, unit longer than anything: the measurements decide
    (tmp_path / s.MEASURED).write_text(json.dumps({"lab6": s.STATIC_SECONDS["lab1"] - 1, "unit": 10_000}))
    measured = s.measured_seconds(tmp_path)
    assert s.longest_first(["lab1", "lab6", "unit", "lab99"], measured) == ["lab99", "unit", "lab1", "lab6"]


def test_an_unreadable_measurement_falls_back_to_the_table(tmp_path):
    s = scheduler()
    (tmp_path / s.MEASURED).write_text("{not json")
    assert s.measured_seconds(tmp_path) == {}
    assert s.measured_seconds(tmp_path / "nowhere") == {}


@pytest.mark.parametrize("jobs", ["x", "0", "-1"])
def test_a_wrong_jobs_setting_is_one_paragraph_before_anything_runs(jobs, tmp_path):
    """MLFLOW_LABS_JOBS is read through settings (the one reader): a bad value is its message, exit 2."""
    import os
    import subprocess
    import sys
    p = subprocess.run([sys.executable, str(repo_root() / "scripts" / "_run_envs.py"), "-e", "unit"],
                       env={**os.environ, "MLFLOW_LABS_JOBS": jobs, "MLFLOW_LABS_REPORTS": str(tmp_path)},
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 2, p.stdout + p.stderr
    assert p.stderr.strip() == (f"error: MLFLOW_LABS_JOBS={jobs!r} is not a whole number of 1 or more: "
                                "set it to e.g. 2, or unset it."), p.stderr
    assert not list(tmp_path.iterdir()), "nothing ran, nothing was written"
