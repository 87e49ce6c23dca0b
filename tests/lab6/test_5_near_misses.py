"""Lab 6's access checks, each shown able to fail on a state that is right except the one thing it is about
(tests/nearmiss/lab6_states.py), on one real basic-auth MLflow server set up as the README does (plus a
plain server for "no authentication"); the correct state passes them all."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from mlflow_labs.infra.mlflow_server import MlflowServer
from tests.basic_auth import client_as_admin
from tests.nearmiss import near_miss_tests
from tests.nearmiss import lab6_states as states
from tests.nearmiss.world import World, not_mlflow, sqlite_world

pytestmark = [pytest.mark.lab6, pytest.mark.harness]


@pytest.fixture(scope="module")
def world(tmp_path_factory, progress):
    work = tmp_path_factory.mktemp("nearmiss-lab6")
    env = states.server_env(work)
    secured = MlflowServer(f"sqlite:///{work / 'mlflow.db'}", workdir=work, progress=progress, env=env,
                           extra_args=["--app-name", "basic-auth"])
    with client_as_admin(env["MLFLOW_AUTH_ADMIN_PASSWORD"]):  # the states are logged as the admin
        try:
            with ThreadPoolExecutor(1) as pool:  # the two servers start side by side
                started = pool.submit(secured.start)
                with sqlite_world(tmp_path_factory.mktemp("nearmiss-lab6-plain"), progress) as plain, \
                        not_mlflow(health_ok=False) as no_health:
                    started.result()
                    yield World(secured.uri, plain=plain, no_health=no_health,
                                admin_password=env["MLFLOW_AUTH_ADMIN_PASSWORD"])
        finally:
            secured.stop()


test_the_correct_state_passes_every_check, test_a_near_miss_fails_exactly_its_check = near_miss_tests("lab6")
