"""Lab 7's checks, each shown able to fail on a state that is right except the one thing it is about
(tests/nearmiss/lab7_states.py): on the README's own servers (the session's lab run), a plain MLflow
server, lab 6's basic-auth server and a port that is not MLflow. The correct state passes them all.
`python -m pytest tests/lab7/test_near_misses.py -m "" -p tests.nearmiss.break_checks` proves each case
goes red when its check passes without looking."""

from __future__ import annotations

import pytest

from mlflow_labs.lab7 import checks
from tests.nearmiss import assert_all_pass, assert_near_miss, registered, run_state
from tests.nearmiss import lab7_states as states
from tests.nearmiss.world import not_mlflow

pytestmark = [pytest.mark.lab7, pytest.mark.harness]


@pytest.fixture(scope="module")
def world(lab, basic_auth_server, _empty_mlflow_server_process):
    with not_mlflow(health_ok=False) as no_health:
        yield states.World(lab, plain=_empty_mlflow_server_process.uri, basic_auth=basic_auth_server.uri,
                           no_health=no_health)


def test_the_correct_state_passes_every_check(world):
    assert_all_pass(run_state(world, "lab7", states.correct), set(registered(checks)))


@pytest.mark.parametrize("case", [*states.NEAR_MISSES.values(), *states.EXTRA], ids=lambda c: c.why[:60])
def test_a_near_miss_fails_exactly_its_check(world, case):
    assert_near_miss(run_state(world, "lab7", case.build), case, registered(checks))
