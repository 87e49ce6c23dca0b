"""A learner's `tox -e lab2` on a machine without the chart ends with ONE line: how many tests were
skipped for lack of it, and the command that gets it (the pytest plugin's terminal summary)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys

import pytest

from mlflow_labs.lab2 import chart as cv
from mlflow_labs.labs import repo_root

pytestmark = pytest.mark.unit


def test_a_run_without_the_chart_ends_with_one_line_saying_how_to_get_it(tmp_path):
    if not shutil.which("helm"):
        pytest.skip("helm is not on PATH (scripts/provision-k8s-tools installs it); without it the skips name helm")
    env = {**os.environ, cv.CHART_ENV: str(tmp_path / "no-such-chart"), "MLFLOW_LABS_REPORTS": str(tmp_path)}
    p = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/lab2/test_chart_values.py"],
                       cwd=repo_root(), env=env, capture_output=True, text=True, timeout=300)
    out = p.stdout
    lines = [ln for ln in out.splitlines() if "skipped for lack of the" in ln]
    assert len(lines) == 1, out
    # then pytest's own result line, then the plugin's verdict line (always the last)
    assert out.splitlines()[-3] == lines[0], "the line is not last before pytest's own result line"
    assert out.splitlines()[-1].startswith("mlflow-labs: "), out.splitlines()[-1]
    skipped = int(re.search(r"(\d+) skipped", out.splitlines()[-2]).group(1))
    assert skipped > 0, out
    assert lines[0] == (f"mlflow-labs: {skipped} test(s) skipped for lack of the community-charts/mlflow "
                        f"{cv.CHART_VERSION} chart; get it with `{cv.pull_command()}` (or set {cv.CHART_ENV} to a copy)")
    assert "helm pull mlflow --repo https://community-charts.github.io/helm-charts --version 1.11.5" in lines[0]
    assert p.returncode == 0, out


def test_a_run_with_the_chart_prints_no_such_line(tmp_path):
    """Never a false alarm: with every test passing or skipped for another reason, the line is absent."""
    p = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                        "tests/unit/test_lab2_chart_values.py"],
                       cwd=repo_root(), env={**os.environ, "MLFLOW_LABS_REPORTS": str(tmp_path)},
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stdout
    assert "skipped for lack of the" not in p.stdout
