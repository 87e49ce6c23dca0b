"""Lab 1's README as a learner types it, from a fresh HOME, in the course's venv (Step 1's `pip install` is
the one block it skips: lab 7's replay runs its README's `pip install` of the same MLflow as typed, and one
as typed per CI is enough to prove the pin installs), the server in a second terminal, its Ctrl+C and
restart; only the port is filled in."""

from __future__ import annotations

import pytest

from mlflow_labs.byhand import replay

from .conftest import assert_replayed

pytestmark = pytest.mark.lab1


def test_lab1_replays_by_hand(progress):
    report = replay("lab1", progress=progress)
    (step1,) = assert_replayed(report, skips=1)
    assert step1.step == "python -m venv .venv", report.table()  # Step 1 (venv, pip install): the course's venv
