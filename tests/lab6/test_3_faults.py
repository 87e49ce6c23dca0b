"""Faults under load on PostgreSQL: the database stopped and started; the server SIGKILLed and restarted.
Read from the figures of the one `mlflow-labs run lab6` (the `lab_command` fixture)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.lab6


def fault(lab_command, name: str) -> dict:
    found = [f for f in lab_command.figures["faults"] if name in f["fault"]]
    assert len(found) == 1, (found, lab_command.why())
    return found[0]


def test_postgres_outage_errors_not_hangs_and_nothing_acknowledged_lost(lab_command):
    r = fault(lab_command, "PostgreSQL stopped")
    assert r["acknowledged"] > 0 and r["lost"] == 0, r
    assert r["errors"], "writers saw no error while PostgreSQL was down: the outage did not happen"
    # errors, not hangs: no client-side timeout, each failing call answered within a few seconds, and the
    # failures are the outage's (inside its window), not something else breaking (faults.hang_problems)
    assert r["hang_problems"] == [], r
    assert r["failed_calls_inside_window"] > 0, r
    assert r["recovery_s"] >= 0, "no write was accepted after PostgreSQL came back (server not recovered)"
    assert r["pg_missing_acknowledged"] == 0, r
    assert not r["server_restarted"], r  # the pool reconnected by itself
    assert sum(r["runs_ended"].values()) == r["writers"], r  # every writer's run ended, none left RUNNING


def test_server_sigkill_and_restart_on_the_same_database_loses_nothing(lab_command):
    r = fault(lab_command, "SIGKILL")
    assert r["server_restarted"] and r["port_after"] == r["port_before"], r
    assert r["acknowledged"] > 0 and r["lost"] == 0, r
    assert r["errors"], "writers saw no error while the server was down"
    assert r["failed_calls_outside_window"] == 0 and "timeout" not in r["errors"], r
    assert r["recovery_s"] >= 0 and r["pg_missing_acknowledged"] == 0, r
    assert sum(r["runs_ended"].values()) == r["writers"], r
