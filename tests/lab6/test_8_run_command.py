"""`mlflow-labs run lab6` as ONE command, as a learner or CI types it: exit 0, a complete report holding a
figure for every row of the README's "measured here" table, and nothing left running afterwards. The
command runs once per session (conftest.lab_command); the load, fault and Host-header tests read it too."""

from __future__ import annotations

import re

import pytest

from mlflow_labs.labs import get_lab

pytestmark = pytest.mark.lab6


def readme_table_rows() -> list[str]:
    """The scenario column of the README's table under "What `mlflow-labs run lab6` measured here"."""
    text = get_lab("lab6").readme.read_text()
    section = text.split("## What `mlflow-labs run lab6` measured here", 1)[1].split("\n## ", 1)[0]
    rows = [ln.split("|")[1].strip() for ln in section.splitlines() if ln.startswith("| ")]
    return [r for r in rows if r not in ("scenario", "---")]


def figure_for(row: str, figures: dict) -> dict | None:
    """The report's figure the README row quotes (matched on backend, writers and call kind, or the fault)."""
    if "stopped" in row:
        return next((f for f in figures["faults"] if f["fault"].startswith("PostgreSQL stopped")), None)
    if "SIGKILL" in row:
        return next((f for f in figures["faults"] if "SIGKILL" in f["fault"]), None)
    backend = "sqlite" if row.startswith("SQLite") else "postgresql"
    writers = int(re.search(r"(\d+) writers", row).group(1))
    batch = int(re.search(r"log-batch` of (\d+)", row).group(1)) if "log-batch" in row else 1
    return next((f for f in figures["load"] if f["backend"] == backend and f["writers"] == writers
                 and (f["batch"] > 1) == (batch > 1)), None)


def test_run_lab6_is_one_command_that_quotes_every_readme_figure(lab_command):
    """The session's one `mlflow-labs run lab6` (conftest.lab_command, whose figures the load, fault and
    Host-header tests read): exit 0, every step passed, a figure per README table row, nothing left running."""
    rows = readme_table_rows()
    assert len(rows) >= 10, rows  # the table this test holds the report to is still there
    assert lab_command.returncode == 0, lab_command.why()
    report = lab_command.report
    assert report["ok"] and not report["error"], report["error"]
    assert report["steps"] and all(s["status"] in ("passed", "skipped") for s in report["steps"]), \
        [s for s in report["steps"] if s["status"] not in ("passed", "skipped")]
    missing = [r for r in rows if figure_for(r, report["figures"]) is None]
    assert not missing, f"README table rows with no figure in reports/lab6.json: {missing}"
    for r in rows:
        f = figure_for(r, report["figures"])
        assert f["acknowledged"] > 0 and f["lost"] == 0 and "writes_per_s" in f, (r, f)
    assert {s["backend"] for s in report["figures"]["schema"]} == {"sqlite", "postgresql"}
    assert not lab_command.left_running, lab_command.left_running
