"""The lab's claim, on both paths, through the README's own blocks: runs logged to a PostgreSQL-backed
MLflow server survive the server being destroyed (kill -9 / docker rm -f) and replaced by a fresh one.
Asserted through the REST API (lab3/checks.py and direct reads) and in PostgreSQL's rows (psycopg)."""

from __future__ import annotations

import pytest

from mlflow_labs import settings
from mlflow_labs.lab3 import checks
from mlflow_labs.harness.client import TrackingClient, metrics, params
from mlflow_labs.lab3.scenario import Lab3Run, db_rows

pytestmark = pytest.mark.lab3


@pytest.fixture(scope="module", params=["local", "docker"])
def lab(request, require_path, tmp_path_factory, progress):
    """Steps 1-5 of the README on one path, with the evidence taken before and after the server is
    destroyed recorded on the run: each test reads the evidence, so none depends on running before
    or after another."""
    require_path(request.param)
    with Lab3Run(request.param, progress=progress, workdir=tmp_path_factory.mktemp(f"lab3-{request.param}")) as run:
        run.setup()
        run.init_db()
        run.start_server()
        run.log_run()
        run.check_step(0)
        run.remember_runs()
        run.rows_before = db_rows(run.pg)
        run.results_before = checks.run_checks(run.uri)
        run.server_before = _server_identity(run)
        run.destroy_and_recreate()
        run.server_after = _server_identity(run)
        run.check_step(1)  # the README's `mlflow-labs check lab3` after Step 5
        run.results_after = checks.run_checks(run.uri, run_ids=run.run_ids)
        run.rows_after = db_rows(run.pg)
        yield run


def failed(results):
    return [f"{r.name}: {r.detail}" for r in results if not r.ok]


def test_checks_pass_before_the_server_is_destroyed(lab):
    assert not failed(lab.results_before), failed(lab.results_before)
    assert len(lab.run_ids) == 1


def test_the_run_is_in_postgresql_rows(lab):
    rows = lab.rows_before
    assert rows["experiments"] == ["Default", checks.EXPERIMENT]
    (run_id,) = lab.run_ids
    assert rows["runs"][run_id] == (checks.RUN_NAME, "FINISHED")
    assert {k: v for (rid, k), v in rows["params"].items() if rid == run_id} == checks.PARAMS
    assert [(k, v, s) for rid, k, v, s in rows["metrics"] if rid == run_id and k == "loss"] == \
        [("loss", v, step) for step, v in enumerate(checks.LOSS_HISTORY)]


def test_runs_survive_destroying_the_server(lab):
    assert lab.server_after != lab.server_before, "the server was not replaced"
    assert lab.server_after, "no server answers after Step 5"
    assert not failed(lab.results_after), failed(lab.results_after)
    assert any(r.name.startswith("runs logged before") for r in lab.results_after), "the survivors check did not run"
    # read straight from the REST API too, not only through the check module
    run = TrackingClient(lab.uri).get_run(lab.run_ids[0])
    assert params(run) == {"backend": "postgresql", "alpha": "0.5"}
    assert metrics(run) == {"loss": 0.4, "r2": 0.81}
    assert lab.rows_after == lab.rows_before


def _server_identity(lab):
    """The local server's pid, or the container's id: proves a fresh server answers after Step 5."""
    if lab.infra == "local":
        return tuple(p.proc.pid for _, p in lab.docs.background.values())
    from mlflow_labs.infra import docker_engine
    c = docker_engine.client()
    try:
        return tuple(x.id for x in c.containers.list(filters={"label": f"{settings.LABEL}.session={docker_engine.SESSION}",
                                                               "name": "mlflow-server"}))
    finally:
        c.close()


def test_step_report_is_written(lab, lab_report):
    """reports/lab3-<path>.json: each README step the path ran, with its README line, status and time."""
    report = lab_report(f"lab3-{lab.infra}")
    report.substitutions.update(lab.docs.applied)
    report.add_steps(lab.docs.steps)
    report.add_checks(checks.run_checks(lab.uri, run_ids=lab.run_ids), "lab3/checks.py")
    assert report.ok, report.table()
    wheres = [r.where for r in report.rows]
    assert any(w.startswith("labs/lab3-postgres/README.md:") for w in wheres), wheres
