"""Lab 6's README as a learner types it: a fresh HOME, the course venv, the secrets made by Step 1's
own commands (nothing passed in), the basic-auth server in a second terminal, `mlflow-labs check lab6`
as Step 6 runs it; only the port is filled in, and nothing may be left running. And a copy of the
README with one broken command fails at exactly that README:LINE."""

from __future__ import annotations

import os

import pytest

from mlflow_labs.byhand import replay


from .conftest import assert_check_block_passed, assert_replayed

pytestmark = pytest.mark.lab6


def test_lab6_replays_by_hand(progress, monkeypatch):
    for key in [k for k in os.environ if k.startswith(("LAB6_", "MLFLOW_AUTH_", "MLFLOW_FLASK_"))]:
        monkeypatch.delenv(key)  # (the replay's env is built from nothing anyway; this makes it plain)
    report = replay("lab6", progress=progress)
    assert_replayed(report)
    skipped = [r for r in report.rows if r.status == "skipped"]
    assert len(skipped) == 1 and "pip install" in skipped[0].step, report.table()  # Step 0: the venv has it
    assert all("port 7606" in k or "Ctrl+C" in k for k in report.substitutions), report.substitutions
    # Step 6's `mlflow-labs check lab6` (it exits 1 on any FAIL) ran and passed, with Step 1's secrets
    assert_check_block_passed(report, "lab6")


@pytest.mark.harness  # a README mutation: proves the replay can fail
def test_a_broken_readme_line_fails_the_replay_at_that_line(readme_copy, progress):
    readme, corrupt = readme_copy("lab6")
    line = corrupt("ls -l lab6-secrets.env", "ls -l lab6-secret.env")
    report = replay("lab6", readme=readme, progress=progress)
    assert not report.ok
    assert report.error.startswith(f"{readme}:{line}: `ls -l lab6-secret.env` exited 2"), report.error
    assert report.rows[-1].where == f"{readme}:{line}" and report.rows[-1].status == "failed"
