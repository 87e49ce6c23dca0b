"""Lab 4's checks, each shown able to fail on a state that is right except the one thing it is about
(tests/nearmiss/lab4_states.py: a real git + DVC repository, real scikit-learn models), on one real MLflow
server; the correct state passes them all."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.nearmiss import near_miss_tests
from tests.nearmiss import lab4_states as states
from tests.nearmiss.world import sqlite_world

pytestmark = [pytest.mark.lab4, pytest.mark.harness]


@pytest.fixture(scope="module")
def world(tmp_path_factory, progress):
    repo = tmp_path_factory.mktemp("nearmiss-lab4") / "repo"
    with ThreadPoolExecutor(1) as pool:  # git + dvc while the server starts: both wait on imports
        versions = pool.submit(states.repository, repo)
        with sqlite_world(repo.parent, progress) as w:
            w.extra.update(repo=repo, versions=versions.result())
            yield w


test_the_correct_state_passes_every_check, test_a_near_miss_fails_exactly_its_check = near_miss_tests("lab4")
