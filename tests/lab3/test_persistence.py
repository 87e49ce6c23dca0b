"""The lab's claim, on both paths, through the README's own blocks: runs logged to a PostgreSQL-backed
MLflow server survive the server being destroyed (kill -9 / docker rm -f) and replaced by a fresh one.
Asserted through the REST API (lab3/checks.py and direct reads) and in PostgreSQL's rows (psycopg).

The run is the session's `lab3_run` (conftest.py): `mlflow-labs run lab3`'s own `.execute()`, which
recorded the evidence before and after Step 5 destroys the server. Each test reads that evidence, so
none depends on running before or after another."""

from __future__ import annotations

import pytest

from mlflow_labs.lab3 import checks
from mlflow_labs.harness.client import metrics, params

from .conftest import AFTER_RECREATE, BEFORE_DESTROY

pytestmark = pytest.mark.lab3


@pytest.fixture
def lab(lab3_run):
    return lab3_run


def failed(results):
    return [f"{r.name}: {r.detail}" for r in results if not r.ok]


def recorded(lab, what: str):
    """Evidence the run recorded (an attribute of EvidenceLab3Run); None means the run ended before
    that point, and its error says why."""
    value = getattr(lab, what)
    assert value is not None, f"the lab run ended before recording {what}: {lab.report.error}"
    return value


def checks_at(lab, where: str) -> list:
    """The check results the run recorded under ``where`` (its report's name for that pass)."""
    assert where in lab.results, f"the lab run ended before the checks {where!r}: {lab.report.error}"
    return lab.results[where]


def test_checks_pass_before_the_server_is_destroyed(lab):
    results = checks_at(lab, BEFORE_DESTROY)
    assert not failed(results), failed(results)
    assert len(lab.run_ids) == 1


def test_the_run_is_in_postgresql_rows(lab):
    rows = recorded(lab, "rows_before")
    assert rows["experiments"] == ["Default", checks.EXPERIMENT]
    (run_id,) = lab.run_ids
    assert rows["runs"][run_id] == (checks.RUN_NAME, "FINISHED")
    assert {k: v for (rid, k), v in rows["params"].items() if rid == run_id} == checks.PARAMS
    assert [(k, v, s) for rid, k, v, s in rows["metrics"] if rid == run_id and k == "loss"] == \
        [("loss", v, step) for step, v in enumerate(checks.LOSS_HISTORY)]


def test_runs_survive_destroying_the_server(lab):
    before, after = recorded(lab, "server_before"), recorded(lab, "server_after")
    assert after != before, "the server was not replaced"
    assert after, "no server answers after Step 5"
    results_after = checks_at(lab, AFTER_RECREATE)
    assert not failed(results_after), failed(results_after)
    assert any(r.name.startswith("runs logged before") for r in results_after), "the survivors check did not run"
    # read straight from the REST API too (while the recreated server answered), not only through the check module
    run = recorded(lab, "run_after")
    assert params(run) == {"backend": "postgresql", "alpha": "0.5"}
    assert metrics(run) == {"loss": 0.4, "r2": 0.81}
    assert recorded(lab, "rows_after") == recorded(lab, "rows_before")


def test_step_report_is_written(lab, lab_report):
    """reports/lab3-<path>.json: each README step the path ran, with its README line, status and time."""
    report = lab_report(f"lab3-{lab.infra}")
    report.substitutions.update(lab.docs.applied)
    report.add_steps(lab.docs.steps)
    report.add_checks(checks_at(lab, AFTER_RECREATE), "lab3/checks.py")
    assert report.ok, report.table()
    wheres = [r.where for r in report.rows]
    assert any(w.startswith("labs/lab3-postgres/README.md:") for w in wheres), wheres
