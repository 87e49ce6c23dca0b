"""The lab 5 report page: the step table and every screenshot the run listed, by relative path."""

from __future__ import annotations

import pytest

from mlflow_labs.harness.report import Report, Row
from mlflow_labs.lab5.html_report import write_html

pytestmark = pytest.mark.unit


def test_page_has_steps_and_screenshots(tmp_path):
    shot = tmp_path / "04-compare.png"
    shot.write_bytes(b"\x89PNG\r\n\x1a\n")
    report = Report("lab5", rows=[Row("(a) Compare <runs>", "lab5/checks.py", "failed", 1.5, "no 'Compare' button")],
                    phases={"browser start": 1.2}, files=[str(shot), str(tmp_path / "gone.png")])
    page = write_html(report, tmp_path).read_text()
    assert "lab5: <span class=\"failed\">FAILED</span>" in page
    assert "(a) Compare &lt;runs&gt;" in page and "no &#x27;Compare&#x27; button" in page
    assert "<img src='04-compare.png'" in page
    assert "gone.png" not in page  # a file that is not there is not linked
    assert "browser start 1.2 s" in page
