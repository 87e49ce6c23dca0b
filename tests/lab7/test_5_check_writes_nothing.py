"""`mlflow-labs check lab7` leaves the learner's server as it found it: its write probes are invalid on
purpose (harness/write_probe.py), so the plugin's answer (403 refused, or 400 let through and then
rejected as invalid) is seen and nothing is stored. The store is read through REST, as the admin, before
and after: every experiment, run, param, tag and metric history."""

from __future__ import annotations

import pytest

from mlflow_labs.harness import write_probe
from mlflow_labs.lab7 import credentials

from .test_1_sso import cli

pytestmark = pytest.mark.lab7


def admin_view(lab):
    return credentials.client(lab.uri, credentials.Token("admin", "admin@example.com", lab.tokens["admin"]))


def test_check_lab7_leaves_every_run_metric_param_and_tag_as_found(lab):
    admin = admin_view(lab)
    before = write_probe.snapshot(admin)
    assert any(r["info"]["run_name"] == "Run_v1" for e in before.values() for r in e["runs"].values()), before
    p = cli("check", "lab7", "--tracking-uri", lab.uri, env=lab.check_env(session=lab.fresh_session()))
    assert p.returncode == 0, p.stdout + p.stderr
    after = write_probe.snapshot(admin)
    assert after == before, f"`check lab7` changed the learner's server:\nbefore {before}\nafter  {after}"


def test_a_reader_wrongly_allowed_to_write_fails_the_check_and_leaves_no_trace(lab):
    """carol holds EDIT since Step 6: as the reader, the plugin lets her probes through; they are invalid,
    so nothing is stored, and the check fails saying so."""
    admin = admin_view(lab)
    before = write_probe.snapshot(admin)
    p = cli("check", "lab7", "--tracking-uri", lab.uri, env=lab.check_env(reader="carol", session=lab.fresh_session()))
    assert p.returncode == 1, p.stdout + p.stderr
    assert "HTTP 400 from validating the request" in p.stdout and "nothing was written" in p.stdout, p.stdout
    assert write_probe.snapshot(admin) == before
