"""Lab 6's README as a learner types it: a fresh HOME, the course venv, the secrets made by Step 1's
own commands (nothing passed in), the basic-auth server in a second terminal, `mlflow-labs check lab6`
as Step 6 runs it; only the port is filled in, and nothing may be left running. And a copy of the
README with one broken command fails at exactly that README:LINE."""

from __future__ import annotations

import pytest

from mlflow_labs.byhand import replay

from .conftest import (assert_broken_line_fails_there, assert_check_block_passed, assert_only_ports_filled_in,
                       assert_replayed, unset)

pytestmark = pytest.mark.lab6


def test_lab6_replays_by_hand(progress, monkeypatch):
    unset(monkeypatch, "LAB6_", "MLFLOW_AUTH_", "MLFLOW_FLASK_")
    report = replay("lab6", progress=progress)
    (step0,) = assert_replayed(report, skips=1)
    assert "pip install" in step0.step, report.table()  # Step 0: the venv has it
    assert_only_ports_filled_in(report, 7606)
    # Step 6's `mlflow-labs check lab6` (it exits 1 on any FAIL) ran and passed, with Step 1's secrets
    assert_check_block_passed(report, "lab6")


@pytest.mark.harness  # a README mutation: proves the replay can fail
def test_a_broken_readme_line_fails_the_replay_at_that_line(readme_copy, progress):
    assert_broken_line_fails_there(readme_copy, "lab6", "ls -l lab6-secrets.env", "ls -l lab6-secret.env", 2, progress)
