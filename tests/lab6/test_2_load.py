"""Concurrent writers on SQLite (the notes' `mlflow ui`, 4 workers) and PostgreSQL: nothing acknowledged
is lost (read back over REST and, for PostgreSQL, in the metrics table); the schema race and its fix.
All read from the figures of the one `mlflow-labs run lab6` (the `lab_command` fixture)."""

from __future__ import annotations

import pytest

from mlflow_labs.lab6.scenario import LOADS

pytestmark = pytest.mark.lab6


def loads(lab_command, backend: str) -> list[dict]:
    """The plain load scenarios of one backend (the fault runs, which carry outage_s, are the fault tests'):
    one per row of the lab's load table, in its order, each with writes acknowledged, each run ended."""
    measured = [f for f in lab_command.figures["load"] if f["backend"] == backend and "outage_s" not in f]
    assert [f["label"] for f in measured] == [label for label, *_ in LOADS], lab_command.why()
    assert all(f["acknowledged"] > 0 for f in measured), measured
    for fig in measured:
        assert_runs_ended(fig)
    return measured


def assert_runs_ended(fig: dict) -> None:
    """Every writer's run was ended (FINISHED, or FAILED had its writer given up at its deadline): an
    experiment keeps no run RUNNING. test_6 reads the README's own runs' status over REST."""
    assert set(fig["runs_ended"]) <= {"FINISHED", "FAILED"}, fig
    assert sum(fig["runs_ended"].values()) == fig["writers"], fig


def test_sqlite_writers_lose_nothing_acknowledged(lab_command):
    for fig in loads(lab_command, "sqlite"):
        assert fig["lost"] == 0, fig
        assert fig["stored"] >= fig["acknowledged"], fig


def test_postgres_writers_lose_nothing_acknowledged_rest_and_rows(lab_command):
    for fig in loads(lab_command, "postgresql"):
        assert fig["lost"] == 0, fig
        assert fig["pg_missing_acknowledged"] == 0, fig
        assert fig["pg_rows"] >= fig["acknowledged"], fig


def test_new_store_opened_by_several_processes_and_the_db_upgrade_fix(lab_command):
    """Without `mlflow db upgrade`, processes opening one new store at once fail with migration errors (at
    least once in a bounded number of new stores); after it (exit 0), all of them open it."""
    from mlflow_labs.lab6 import schema
    mine = lab_command.figures["schema"]
    fixed = [f for f in mine if f["upgrade_exit"] is not None]
    raced = [f for f in mine if f["upgrade_exit"] is None]
    assert sorted(f["backend"] for f in fixed) == ["postgresql", "sqlite"], (mine, lab_command.why())
    for f in fixed:
        assert f["upgrade_exit"] == 0 and f["upgraded_first"], f
        assert f["ok"] == f["processes"] and not f["failures"], f
    for backend in ("sqlite", "postgresql"):
        failures = [x for f in raced if f["backend"] == backend for x in f["failures"]]
        rounds = sum(f["backend"] == backend for f in raced)
        assert failures, f"{backend}: {rounds} new store(s) opened by several processes, none failed"
        assert all(schema.is_migration_race(x) for x in failures), failures
