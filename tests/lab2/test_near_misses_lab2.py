"""Lab 2's checks, as they apply to a plain server, each shown able to fail on a state that is right except
the one thing it is about (tests/nearmiss/lab2_states.py), on the session's local MLflow server (each state in
experiments of its own, checked with `--experiment`, as on a class's shared server); the two correct states
("present" after logging, "lost" after the pod's deletion) pass them all."""

from __future__ import annotations

import pytest

from tests.nearmiss import near_miss_tests
from tests.nearmiss.world import shared_world

pytestmark = [pytest.mark.lab2, pytest.mark.harness]


@pytest.fixture(scope="module")
def world(local_server):
    with shared_world(local_server.uri) as world:
        yield world


test_the_correct_state_passes_every_check, test_a_near_miss_fails_exactly_its_check = near_miss_tests("lab2")
