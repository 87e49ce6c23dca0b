"""Faults under load on PostgreSQL: the database stopped and started; the server SIGKILLed and restarted."""

from __future__ import annotations

import pytest

from mlflow_labs.lab6 import faults

pytestmark = pytest.mark.lab6


def test_postgres_outage_errors_not_hangs_and_nothing_acknowledged_lost(lab):
    f = lab.postgres_outage(lab.start_pg_server())
    r = f.load
    assert r.acknowledged > 0 and r.lost == 0, f.line()
    assert r.errors, "writers saw no error while PostgreSQL was down: the outage did not happen"
    # errors, not hangs: no client-side timeout, each failing call answered within a few seconds, and the
    # failures are the outage's (inside its window), not something else breaking
    assert faults.hang_problems(f) == [], f.line()
    assert f.failed_inside(), f.line()
    assert f.recovery_s >= 0, "no write was accepted after PostgreSQL came back (server not recovered)"
    assert lab.figures["faults"][-1]["pg_missing_acknowledged"] == 0


def test_server_sigkill_and_restart_on_the_same_database_loses_nothing(lab):
    server = lab.start_pg_server()
    old_port = server.port
    new = lab.server_kill(server)
    r = lab.figures["faults"][-1]
    assert new.port == old_port and new is lab.pg_server
    assert r["acknowledged"] > 0 and r["lost"] == 0, r
    assert r["errors"], "writers saw no error while the server was down"
    assert r["failed_calls_outside_window"] == 0 and "timeout" not in r["errors"], r
    assert r["recovery_s"] >= 0 and r["pg_missing_acknowledged"] == 0, r
