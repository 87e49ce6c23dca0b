"""Lab 2's checks, as they apply to a plain server, each shown able to fail on a state that is right except
the one thing it is about (tests/nearmiss/lab2_states.py), on one real MLflow server; the two correct states
("present" after logging, "lost" after the pod's deletion) pass them all."""

from __future__ import annotations

import pytest

from mlflow_labs.lab2 import checks
from tests.nearmiss import assert_all_pass, assert_near_miss, registered, run_state
from tests.nearmiss import lab2_states as states
from tests.nearmiss.world import sqlite_world

pytestmark = [pytest.mark.lab2, pytest.mark.harness]


@pytest.fixture(scope="module")
def world(tmp_path_factory, progress):
    with sqlite_world(tmp_path_factory.mktemp("nearmiss-lab2"), progress) as w:
        yield w


def test_the_correct_states_pass_every_check(world):
    assert_all_pass(run_state(world, "lab2", states.correct), set(states.PRESENT))
    assert_all_pass(run_state(world, "lab2", states.correct_lost), set(states.LOST))


@pytest.mark.parametrize("case", states.NEAR_MISSES.values(), ids=lambda c: c.why)
def test_a_near_miss_fails_exactly_its_check(world, case):
    assert_near_miss(run_state(world, "lab2", case.build), case, registered(checks))
