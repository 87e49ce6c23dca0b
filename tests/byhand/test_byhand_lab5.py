"""Lab 5's README as a learner types it: a fresh HOME, the course venv, the server in a second terminal,
git's identity as the README gives it, the four runs, then `mlflow-labs check lab5` (its browser checks)
as Step 7 runs it; only the port is filled in, and nothing may be left running. A copy of the README
with one broken command fails at exactly that README:LINE. (Its UI words are replayed in the browser by
tests/lab5/test_readme_ui.py.)"""

from __future__ import annotations

import pytest

from mlflow_labs.byhand import replay

from .conftest import (assert_broken_line_fails_there, assert_check_block_passed, assert_only_ports_filled_in,
                       assert_replayed)

pytestmark = pytest.mark.lab5


@pytest.fixture(autouse=True)
def _browser():
    from tests.lab5.conftest import browser_missing
    reason = browser_missing()
    if reason:
        from mlflow_labs.lab5.browser import INSTALL_FIX
        pytest.skip(f"no headless browser for lab 5's check step: {reason} (fix: {INSTALL_FIX})")


def test_lab5_replays_by_hand(progress):
    report = replay("lab5", progress=progress)
    first, second = (r.step for r in assert_replayed(report, skips=2))
    assert "pip install" in first and "images lab5" in second, report.table()
    assert_only_ports_filled_in(report, 7006)
    assert_check_block_passed(report, "lab5")


@pytest.mark.harness  # a README mutation: proves the replay can fail
def test_a_broken_readme_line_fails_the_replay_at_that_line(readme_copy, progress):
    # a line before the server: cheap
    assert_broken_line_fails_there(readme_copy, "lab5", "mkdir wine-compare && cd wine-compare",
                                   "mkdir wine-compare && cd wine-compar", 1, progress)
