"""`mlflow-labs run lab3` on its success path: the same Lab3Run the learner's command executes,
through `.execute()`, ends in an ok report holding every README step, both check passes and the
PostgreSQL rows (and on the docker path the SQLite counter-example)."""

from __future__ import annotations

import pytest

from mlflow_labs.lab3 import checks

pytestmark = pytest.mark.lab3


def test_run_lab3_succeeds_end_to_end(lab3_run, lab_report):
    lab, path = lab3_run, lab3_run.infra
    report = lab_report(lab.report)
    assert report.ok, report.table()
    rows = {(r.where, r.step): r for r in report.rows}
    readme_rows = [r for r in report.rows if r.where.startswith("labs/lab3-postgres/README.md:")]
    assert readme_rows and all(r.status in ("passed", "skipped", "shown") for r in readme_rows)
    # every block this path runs did run, in README order
    lines = [int(r.where.rsplit(":", 1)[1]) for r in readme_rows]
    assert lines == sorted(lines)
    runnable = {b.line for b in lab.docs.blocks if lab.mine(b) and b.action not in ("skip", "show")}
    assert runnable <= set(lines), sorted(runnable - set(lines))
    # after the recreate: the lab's suite plus the survival check (run only when run ids are given)
    names = [c.name for c in checks.suite.checks] + [c.name for c in checks.survival.checks]
    for where, expected in (("lab3/checks.py", [c.name for c in checks.suite.checks if not c.needs]),
                            ("lab3/checks.py after recreate", names)):
        assert [step for (w, step) in rows if w == where] == expected, where
    assert rows[("psycopg", "rows in PostgreSQL unchanged by the recreate")].status == "passed"
    if path == "docker":
        assert rows[("docker rm -f", "SQLite in a throwaway container lost the run")].status == "passed"
    assert "teardown" in report.phases
