"""Survival by hand: Step 4's `mlflow-labs check lab3` records the run ids it saw beside the learner's
work, Step 5's `--after-restart` compares against them, and with nothing recorded it FAILS saying so.
Against a real MLflow server holding the README's run (SQLite: what matters here is the command; the session's,
tests/lab3/conftest.py, which the near-miss states share)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from mlflow_labs.lab3 import checks


pytestmark = [pytest.mark.lab3, pytest.mark.harness]


SURVIVORS = "runs logged before the server was recreated are all still there"


def check(uri: str, cwd, *extra: str) -> subprocess.CompletedProcess:
    exe = os.path.join(os.path.dirname(sys.executable), "mlflow-labs")
    return subprocess.run([exe, "check", "lab3", "--tracking-uri", uri, *extra], cwd=cwd, capture_output=True,
                          text=True, timeout=300)


def test_after_restart_with_nothing_recorded_fails_and_says_so(server_with_the_run, tmp_path):
    p = check(server_with_the_run.uri, tmp_path, "--after-restart")
    assert p.returncode == 1, p.stdout
    line = next(ln for ln in p.stdout.splitlines() if SURVIVORS in ln)
    assert line.startswith("FAIL") and "nothing recorded" in line and "Step 4" in line


def test_first_check_records_and_after_restart_compares(server_with_the_run, tmp_path):
    first = check(server_with_the_run.uri, tmp_path)
    assert first.returncode == 0, first.stdout
    state = tmp_path / ".mlflow-labs" / "lab3-runs.json"
    assert f"in {state}" in first.stdout and SURVIVORS not in first.stdout  # nothing to compare yet: not a PASS
    (ids,) = [v["run_ids"] for v in json.loads(state.read_text()).values()]
    assert len(ids) == 1

    after = check(server_with_the_run.uri, tmp_path, "--after-restart")
    assert after.returncode == 0, after.stdout
    assert f"PASS  {SURVIVORS}: all 1 runs present" in after.stdout

    # a server that lost a run (the wiped SQLite of Step 6): the recorded id is gone
    data = json.loads(state.read_text())
    next(iter(data.values()))["run_ids"].append("0" * 32)
    state.write_text(json.dumps(data))
    lost = check(server_with_the_run.uri, tmp_path, "--after-restart")
    assert lost.returncode == 1 and f"FAIL  {SURVIVORS}: 1 of 2 runs are gone" in lost.stdout, lost.stdout


def test_the_survival_check_never_passes_on_an_empty_list():
    (result,) = checks.survival.run("http://127.0.0.1:9", run_ids=[])
    assert not result.ok and "no run ids were recorded" in result.detail
