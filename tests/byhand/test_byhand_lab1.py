"""Lab 1's README as a learner types it, from a fresh HOME: the venv and `pip install` of Step 1 run
for real (minutes), the server in a second terminal; only the port is filled in."""

from __future__ import annotations

import pytest

from mlflow_labs.byhand import replay

from .conftest import assert_replayed

pytestmark = pytest.mark.lab1


def test_lab1_replays_by_hand(progress):
    assert_replayed(replay("lab1", progress=progress), skips=0)
