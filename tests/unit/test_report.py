from __future__ import annotations

import json

import pytest

from mlflow_labs.harness.suite import CheckResult
from mlflow_labs.harness.readme.steps import Step
from mlflow_labs.harness.report import Report

pytestmark = pytest.mark.unit


def test_report_table_and_json(tmp_path):
    r = Report("labX")
    r.add_steps([Step("labs/x/README.md", 12, "run", "echo hi", "passed", 0.5)])
    r.add_checks([CheckResult("exp exists", False, "no experiment", "Step 3")], "checks/labX.py")
    with r.phase("steps"):
        pass
    assert not r.ok
    table = r.table()
    assert "labs/x/README.md:12" in table and "FAILED" in table
    data = json.loads(r.write_json(tmp_path).read_text())
    assert data["steps"][1]["detail"] == "no experiment -- hint: Step 3"
    assert "steps" in data["phases"]


def test_a_report_with_no_rows_is_not_ok():
    """Nothing ran (no README step, no check): that is not a pass, and the table says why."""
    r = Report("labX")
    assert not r.ok
    assert "FAILED" in r.table() and "nothing ran" in r.table()


def test_an_empty_replay_fails_assert_replayed():
    from tests.byhand.conftest import assert_replayed
    with pytest.raises(AssertionError, match="nothing ran"):
        assert_replayed(Report("lab1-by-hand"))
