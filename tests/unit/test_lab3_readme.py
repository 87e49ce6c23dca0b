"""Lab 3's README as the harness reads it: per-path blocks and the substitutions each path makes."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest

from mlflow_labs.harness.readme.parse import parse_blocks
from mlflow_labs.infra import docker_engine
from mlflow_labs import settings
from mlflow_labs.labs import get_lab
from mlflow_labs.lab3.scenario import Lab3Run

pytestmark = pytest.mark.unit

BLOCKS = parse_blocks(get_lab("lab3").readme.read_text())


def fake_pg(kind):
    return SimpleNamespace(host="127.0.0.1", port=55432, admin_user="postgres", admin_password="pw",
                           container_host="lab3-postgres", container_port=5432, docker_network="net-x",
                           describe=lambda: f"PostgreSQL ({kind})")


def runner_for(path, tmp_path, monkeypatch):
    monkeypatch.setenv("MLFLOW_LABS_MLFLOW_IMAGE", "mlflow-labs/mlflow:3.15.1")
    lab = Lab3Run(path, progress=None, workdir=tmp_path)
    lab.pg = fake_pg(path)
    lab.docs = lab._runner()
    return lab


def test_every_infra_tag_is_docker_or_local():
    tags = {b.directive.get("infra") for b in BLOCKS} - {None}
    assert tags == {"docker", "local"}


def test_restart_blocks_repeat_the_start_command_exactly():
    local = [b.text for b in BLOCKS if b.directive.get("infra") == "local" and "mlflow server --backend-store-uri" in b.text
             and b.action == "background"]
    docker = [b.text for b in BLOCKS if b.directive.get("infra") == "docker" and "--name mlflow-server " in b.text]
    assert len(local) == 2 and local[0] == local[1]
    assert len(docker) == 2 and docker[0] == docker[1]


def test_docker_path_substitutions(tmp_path, monkeypatch):
    lab = runner_for("docker", tmp_path, monkeypatch)
    start = lab.docs.substitute(lab.server_block(0).text)
    assert "@lab3-postgres:5432/mlflow" in start                  # the README's name and port, on the network
    assert "--network net-x " in start and "lab3-net" not in start
    assert f"--name mlflow-server-{docker_engine.SESSION} --label " in start
    assert f"{settings.LABEL}.session={docker_engine.SESSION}" in start
    assert '"${MLFLOW_LABS_MLFLOW_IMAGE:-burakince/mlflow:3.15.1}"' in start   # the README's own switch picks it:
    assert lab.docs.env["MLFLOW_LABS_MLFLOW_IMAGE"] == "mlflow-labs/mlflow:3.15.1"   # no substitution
    assert re.search(rf"-p 127\.0\.0\.1:{lab.port}:5000", start)
    psql = lab.docs.substitute(lab.block(r"psql .*init\.sql").text)
    assert "-h 127.0.0.1 -p 55432 -U postgres" in psql               # the host reaches PG on its published port
    assert not re.search(r"<[A-Z-]+>", psql + start)
    assert f"--name mlflow-ephemeral-{docker_engine.SESSION} --label " in lab.docs.substitute(lab.block(r"mlflow-ephemeral").text)
    assert f"docker rm -f mlflow-server-{docker_engine.SESSION}\n" in lab.docs.substitute(lab.block(r"^docker rm -f mlflow-server\s*$").text)


def test_the_docker_path_substitutes_only_these(tmp_path, monkeypatch):
    """Every substitution the docker path still makes, each for a reason the report gives: the README's
    placeholders and ports, the session's network and container names. Nothing else (not the image)."""
    lab = runner_for("docker", tmp_path, monkeypatch)
    for b in BLOCKS:
        if lab.mine(b) and b.action != "skip":
            lab.docs.substitute(b.text)
    assert sorted(r.split(" ")[0] for r in lab.docs.applied) == sorted([
        "network",          # lab3-net -> the harness's labelled network, where its PostgreSQL answers to lab3-postgres
        "<RDS-ENDPOINT>",   # in the MLflow container's URI -> lab3-postgres (the README's table)
        "container",        # mlflow-server/-ephemeral -> with the session id, and the clean-up labels
        "psql",             # psql -h <RDS-ENDPOINT> -p 5432 -> the harness's PostgreSQL, published on loopback
        "<USERNAME>",       # -> its admin user
        "port", "port"]), sorted(lab.docs.applied)   # 7006 and 7007 -> free ports


def test_postgres_is_published_on_loopback_only_and_reached_by_name_on_its_network():
    """Step 0 publishes PostgreSQL on 127.0.0.1 only; the MLflow containers reach it by its name on lab3-net
    (never through the Docker bridge gateway, which a loopback-only port does not serve); the clean-up
    removes the network after the container on it."""
    docker = [b for b in BLOCKS if b.directive.get("infra") == "docker"]
    (step0,) = [b.text for b in docker if "--name lab3-postgres" in b.text]
    assert "docker network create lab3-net\n" in step0
    assert re.search(r"--name lab3-postgres --network lab3-net .*-p 127\.0\.0\.1:5432:5432 ", step0)
    starts = [b.text for b in docker if "--name mlflow-server " in b.text]
    assert len(starts) == 2 and all("--network lab3-net " in s and "@<RDS-ENDPOINT>:5432/" in s for s in starts)
    (clean,) = [b.text for b in docker if "docker network rm" in b.text]
    assert clean.index("docker rm -f lab3-postgres") < clean.index("docker network rm lab3-net")
    text = get_lab("lab3").readme.read_text()
    assert "host.docker.internal" not in text and "--add-host" not in text


def test_local_path_substitutions(tmp_path, monkeypatch):
    lab = runner_for("local", tmp_path, monkeypatch)
    start = lab.docs.substitute(lab.server_block(0).text)
    assert "postgresql+psycopg://mlflow_user:mlflow_password@127.0.0.1:55432/mlflow" in start
    assert f"--port {lab.port}" in start
    # the local path: both `mlflow server` starts (Step 2 and Step 5's restart), no container command
    mine = [b for b in BLOCKS if lab.mine(b)]
    assert sum(bool(re.match(r"(\w+=\S+ )*mlflow server --backend-store-uri postgresql", b.text)) for b in mine) == 2
    assert not any(b.text.lstrip().startswith("docker ") for b in mine if b.action != "skip")
    assert not any("docker" in b.text for b in BLOCKS if lab.mine(b) and b.action != "skip")
