"""Lab 4's checks, each shown able to fail on a state that is right except the one thing it is about
(tests/nearmiss/lab4_states.py: a real git + DVC repository, real scikit-learn models), on the session's lab 4
server (each state in experiments of its own, checked with `--experiment`, as on a class's shared server); the
correct state passes them all."""

from __future__ import annotations

import pytest

from tests.nearmiss import near_miss_tests
from tests.nearmiss import lab4_states as states
from tests.nearmiss.world import shared_world

pytestmark = [pytest.mark.lab4, pytest.mark.harness]


@pytest.fixture(scope="module")
def world(lab4, tmp_path_factory):
    repo = tmp_path_factory.mktemp("nearmiss-lab4") / "repo"
    versions = states.repository(repo)
    with shared_world(lab4.uri, repo=repo, versions=versions) as world:
        yield world


test_the_correct_state_passes_every_check, test_a_near_miss_fails_exactly_its_check = near_miss_tests("lab4")
