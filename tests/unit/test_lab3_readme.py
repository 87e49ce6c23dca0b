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
                           container_host="postgres", container_port=5432, docker_network="net-x",
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
    assert "@postgres:5432/mlflow" in start                       # the container reaches PG on the network
    assert "--network net-x" in start and f"{settings.LABEL}.session={docker_engine.SESSION}" in start
    assert f"--name mlflow-server-{docker_engine.SESSION}" in start
    assert "mlflow-labs/mlflow:3.15.1" in start and "burakince" not in start
    assert re.search(rf"-p 127\.0\.0\.1:{lab.port}:5000", start)
    psql = lab.docs.substitute(lab.block(r"psql .*init\.sql").text)
    assert "-h 127.0.0.1 -p 55432 -U postgres" in psql               # the host reaches PG on its published port
    assert not re.search(r"<[A-Z-]+>", psql + start)
    assert f"--name mlflow-ephemeral-{docker_engine.SESSION}" in lab.docs.substitute(lab.block(r"mlflow-ephemeral").text)


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
