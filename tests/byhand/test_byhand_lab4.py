"""Lab 4's README as a learner types it: one shell from the course repository's root, a fresh HOME
(no git identity), the server in a second terminal; only the port is filled in. And a copy of the
README with one broken command fails at exactly that README:LINE."""

from __future__ import annotations

import pytest

from mlflow_labs.byhand import replay
from mlflow_labs.lab4 import tools

from .conftest import assert_broken_line_fails_there, assert_only_ports_filled_in, assert_replayed

pytestmark = pytest.mark.lab4


@pytest.fixture(autouse=True)
def _tools():
    tools.git_executable(), tools.dvc_executable()  # PrerequisiteMissing (a skip via the plugin) with the fix


def test_lab4_replays_by_hand(progress):
    report = replay("lab4", progress=progress)
    assert_replayed(report, skips=0)
    assert_only_ports_filled_in(report, 7006)


@pytest.mark.harness
def test_a_broken_readme_line_fails_the_replay_at_that_line(readme_copy, progress):
    assert_broken_line_fails_there(readme_copy, "lab4", "mkdir -p ~/mlflow-lab4 && cd ~/mlflow-lab4",
                                   "mkdir -p ~/mlflow-lab4 && cd ~/mlflow-lab-4", 1, progress)
