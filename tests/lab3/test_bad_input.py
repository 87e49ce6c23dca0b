"""Bad input: each fails once, at once, with one paragraph naming what was wrong and what to do."""

from __future__ import annotations

import socket
import threading
import time
import uuid

import pytest

from mlflow_labs.harness.readme.steps import Substitution
from mlflow_labs.errors import LabError, PrerequisiteMissing
from mlflow_labs.infra import docker_engine
from mlflow_labs.infra.mlflow_container import MlflowContainer
from mlflow_labs.infra.postgres import DockerPostgres, check_login
from mlflow_labs.harness.net import free_port
from mlflow_labs.lab3.scenario import Lab3Run, resolve_infra
from tests.command_line import cli

pytestmark = pytest.mark.lab3


def test_wrong_db_password_is_one_clear_error_before_mlflow_starts(require_path, tmp_path, progress):
    require_path("local")
    with Lab3Run("local", progress=progress, workdir=tmp_path) as lab:
        lab.setup()
        lab.init_db()
        # the learner mistyped the password in Step 2's URI
        lab.docs.substitutions.insert(0, Substitution(r"mlflow_password@", "not-the-password@", "a wrong password"))
        with pytest.raises(LabError) as exc:
            lab.start_server()
        msg = str(exc.value)
        assert "mlflow_user" in msg and f"127.0.0.1:{lab.pg.port}" in msg and "password" in msg, msg
        assert "\n" not in msg  # one paragraph, no traceback
        assert not lab.docs.servers, "MLflow was started anyway (it would retry for ~100 s)"


def test_db_port_closed_names_host_and_port():
    port = free_port()
    with pytest.raises(LabError) as exc:
        check_login(f"postgresql+psycopg://mlflow_user:pw@127.0.0.1:{port}/mlflow")
    assert f"Cannot reach PostgreSQL at 127.0.0.1:{port}" in str(exc.value)


@pytest.fixture
def silent_server():
    """A TCP port on loopback that accepts connections and never answers (a black-holed database)."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)
    held, stop = [], threading.Event()

    def accept():
        srv.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(srv.accept()[0])
            except OSError:
                continue
    t = threading.Thread(target=accept, daemon=True)
    t.start()
    yield srv.getsockname()[1]
    stop.set()
    t.join(5)
    for s in held:
        s.close()
    srv.close()


def test_db_host_that_never_answers_fails_in_bounded_time(silent_server):
    result: dict = {}

    def attempt():
        try:
            check_login(f"postgresql+psycopg://mlflow_user:pw@127.0.0.1:{silent_server}/mlflow", timeout=5)
        except LabError as exc:
            result["error"] = str(exc)
    t0 = time.monotonic()
    t = threading.Thread(target=attempt, daemon=True)
    t.start()
    t.join(30)  # the bound: an error within ~30 s, not a retry loop
    assert not t.is_alive(), "check_login still waiting after 30 s"
    msg = result.get("error", "")
    assert f"Cannot reach PostgreSQL at 127.0.0.1:{silent_server}" in msg and "timeout" in msg, msg
    print(f"unreachable-host error after {time.monotonic() - t0:.1f} s")


@pytest.fixture
def dead_docker(monkeypatch):
    sock = f"unix:///tmp/no-docker-{uuid.uuid4().hex[:8]}.sock"
    monkeypatch.setenv("DOCKER_HOST", sock)
    return sock


def test_infra_docker_without_a_daemon_says_how_to_start_one(dead_docker):
    with pytest.raises(PrerequisiteMissing) as exc:
        resolve_infra("docker")
    msg = str(exc.value)
    assert f"No Docker daemon answers at {dead_docker}" in msg
    assert "scripts/provision-docker" in msg and "--infra local" in msg


def test_infra_auto_without_a_daemon_falls_back_to_local(dead_docker):
    assert resolve_infra("auto") == "local"


def test_cli_run_lab3_docker_without_a_daemon_exits_nonzero(dead_docker, tmp_path):
    p = cli("run", "lab3", "--infra", "docker", "--reports", str(tmp_path), env={"DOCKER_HOST": dead_docker},
            timeout=120)
    assert p.returncode != 0
    out = p.stdout + p.stderr
    assert "No Docker daemon answers" in out and "scripts/provision-docker" in out, out[-2000:]
    assert "Traceback" not in out


def test_missing_image_names_it_and_the_build_script(require_path, monkeypatch):
    if not docker_engine.daemon_answers():
        require_path("docker")  # skips with how to start a daemon
    image = f"mlflow-labs/no-such-image:{uuid.uuid4().hex[:6]}"
    monkeypatch.setenv("MLFLOW_LABS_POSTGRES_IMAGE", image)
    for attempt in (lambda: DockerPostgres().start(), lambda: resolve_infra("docker"),
                    lambda: MlflowContainer("sqlite:////tmp/x.db", image=image).start()):
        with pytest.raises(PrerequisiteMissing) as exc:
            attempt()
        msg = str(exc.value)
        assert image in msg and "scripts/build-offline-images" in msg, msg
    assert resolve_infra("auto") == "local"  # auto does not pick a path whose image is missing
    assert not docker_engine.leftovers(docker_engine.SESSION)
