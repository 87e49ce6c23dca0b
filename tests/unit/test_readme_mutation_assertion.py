"""The README-mutation assertion (tests/readme_mutation.py) accepts the expected check failing with its own
finding only: the same check failing on a browser timeout, or as a knock-on, is not the broken claim caught."""

from __future__ import annotations

import pytest

from mlflow_labs.harness.report import Report, Row
from tests.readme_mutation import assert_fails_at_check_line

pytestmark = pytest.mark.unit

CHECK = "(d) the run's Artifacts view lists model.pkl"


def failed_at_check_line(tmp_path, detail: str):
    readme = tmp_path / "README.md"
    readme.write_text("# lab\n\n```bash\nmlflow-labs check lab5 --tracking-uri http://localhost:7006\n```\n")
    where = f"{readme}:3"
    report = Report("lab5", rows=[Row("check", where, "failed", 1.0)])
    report.error = (f"{where}: block exited 1\n$ mlflow-labs check lab5\n--- output tail ---\n"
                    f"FAIL  {CHECK}: {detail}\n      hint: Step 2: train.py must mlflow.log_artifact('model.pkl')\n")
    return report, readme


def test_the_checks_own_finding_passes(tmp_path):
    report, readme = failed_at_check_line(tmp_path, "run exp3 has artifacts [], not model.pkl")
    assert_fails_at_check_line(report, readme, "lab5", CHECK, "], not model.pkl")


@pytest.mark.parametrize("detail", [
    "Locator.wait_for: Timeout 30000ms exceeded. (waiting for get_by_text('model.pkl')). Screenshot: x.png",
    "cannot check: no best run (see the earlier failure)",
])
def test_the_same_check_failing_for_another_reason_does_not(tmp_path, detail):
    report, readme = failed_at_check_line(tmp_path, detail)
    with pytest.raises(AssertionError, match="not with its finding"):
        assert_fails_at_check_line(report, readme, "lab5", CHECK, "], not model.pkl")
