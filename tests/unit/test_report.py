from __future__ import annotations

import json

import pytest

from mlflow_labs.harness.suite import CheckResult
from mlflow_labs.harness.docs import Step
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
