"""Lab 7's checks, each shown able to fail on a state that is right except the one thing it is about
(tests/nearmiss/lab7_states.py): on the README's own servers (the session's lab run), a plain MLflow
server, lab 6's basic-auth server and a port that is not MLflow. The correct state passes them all.
With MLFLOW_LABS_BREAK_CHECKS=1 (CI) each case is also shown going red when its check passes without looking."""

from __future__ import annotations

import pytest

from tests.nearmiss import near_miss_tests
from tests.nearmiss import lab7_states as states
from tests.nearmiss.world import not_mlflow

pytestmark = [pytest.mark.lab7, pytest.mark.harness]


@pytest.fixture(scope="module")
def world(lab, basic_auth_server, _empty_mlflow_server_process):
    with not_mlflow(health_ok=False) as no_health:
        yield states.World(lab, plain=_empty_mlflow_server_process.uri, basic_auth=basic_auth_server.uri,
                           no_health=no_health)


test_the_correct_state_passes_every_check, test_a_near_miss_fails_exactly_its_check = near_miss_tests("lab7")
