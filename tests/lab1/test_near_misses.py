"""Lab 1's checks, each shown able to fail on a state that is right except the one thing it is about
(tests/nearmiss/lab1_states.py), on the session's own lab 1 server (each state in experiments of its own,
checked with `--experiment`, as on a class's shared server); the correct state passes them all."""

from __future__ import annotations

import pytest

from tests.nearmiss import near_miss_tests
from tests.nearmiss.world import shared_world

pytestmark = [pytest.mark.lab1, pytest.mark.harness]


@pytest.fixture(scope="module")
def world(lab1_uri):
    with shared_world(lab1_uri) as world:
        yield world


test_the_correct_state_passes_every_check, test_a_near_miss_fails_exactly_its_check = near_miss_tests("lab1")
