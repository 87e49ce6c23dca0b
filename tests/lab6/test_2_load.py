"""Concurrent writers on SQLite (the notes' `mlflow ui`, 4 workers) and PostgreSQL: nothing acknowledged
is lost (read back over REST and, for PostgreSQL, in the metrics table); the schema race and its fix."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.lab6


def test_sqlite_writers_lose_nothing_acknowledged(lab):
    results = lab.load_sqlite()
    assert results and all(r.acknowledged > 0 for r in results)
    for r in results:
        assert r.lost == 0, r.summary()
        assert r.stored >= r.acknowledged, r.summary()


def test_postgres_writers_lose_nothing_acknowledged_rest_and_rows(lab):
    before = len(lab.figures["load"])  # the fault tests record PostgreSQL loads too, before or after this one
    results = lab.load_postgres(lab.start_pg_server())
    assert results and all(r.acknowledged > 0 for r in results)
    for r in results:
        assert r.lost == 0, r.summary()
    mine = lab.figures["load"][before:]
    assert len(mine) == len(results), mine
    for fig in mine:
        assert fig["backend"] == "postgresql", fig
        assert fig["pg_missing_acknowledged"] == 0, fig
        assert fig["pg_rows"] >= fig["acknowledged"], fig


def test_new_store_opened_by_several_processes_and_the_db_upgrade_fix(lab):
    """Without `mlflow db upgrade`, processes opening one new store at once fail with migration errors (at
    least once in a bounded number of new stores); after it (exit 0), all of them open it."""
    from mlflow_labs.lab6 import schema
    before = len(lab.figures["schema"])
    lab.schema_race()
    mine = lab.figures["schema"][before:]
    fixed = [f for f in mine if f["upgrade_exit"] is not None]
    raced = [f for f in mine if f["upgrade_exit"] is None]
    assert sorted(f["backend"] for f in fixed) == ["postgresql", "sqlite"], mine
    for f in fixed:
        assert f["upgrade_exit"] == 0 and f["upgraded_first"], f
        assert f["ok"] == f["processes"] and not f["failures"], f
    for backend in ("sqlite", "postgresql"):
        failures = [x for f in raced if f["backend"] == backend for x in f["failures"]]
        rounds = sum(f["backend"] == backend for f in raced)
        assert failures, f"{backend}: {rounds} new store(s) opened by several processes, none failed"
        assert all(schema.is_migration_race(x) for x in failures), failures
