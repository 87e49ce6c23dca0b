"""The images the container path runs: the PostgreSQL image honours the official image's
POSTGRES_USER/PASSWORD/DB (so the offline build is a drop-in), and build-offline-images is idempotent."""

from __future__ import annotations

import subprocess

import pytest

from mlflow_labs.errors import LabError
from mlflow_labs.infra import docker_engine
from mlflow_labs import settings
from mlflow_labs.infra.postgres import connect
from mlflow_labs.labs import repo_root

pytestmark = [pytest.mark.lab3, pytest.mark.harness]


def test_postgres_image_honours_postgres_user_password_db(require_path):
    require_path("docker")
    try:
        from testcontainers.community.postgres import PostgresContainer
    except ImportError:
        from testcontainers.postgres import PostgresContainer
    docker_engine.prepare_testcontainers()
    pg = (PostgresContainer(settings.postgres_image(), username="alice", password="s3cret-pw", dbname="shop")
          .with_kwargs(labels=docker_engine.labels(role="image-test")))
    with pg:
        port = int(pg.get_exposed_port(5432))
        with connect("127.0.0.1", port, "alice", "s3cret-pw", "shop") as conn:
            user, db, superuser = conn.execute(
                "SELECT current_user, current_database(), rolsuper FROM pg_roles WHERE rolname = current_user").fetchone()
        assert (user, db, superuser) == ("alice", "shop", True)
        with pytest.raises(LabError, match="rejected the password for user 'alice'"):
            connect("127.0.0.1", port, "alice", "wrong", "shop")
        with pytest.raises(LabError):  # no default 'postgres' login besides the configured user
            connect("127.0.0.1", port, "postgres", "s3cret-pw", "shop")


def test_build_offline_images_skips_what_exists_and_prints_only_settings(require_path):
    require_path("docker")
    # the MLflow image is the chart's appVersion, which the script reads from settings (its one home)
    wanted = ["mlflow-labs/debian:bookworm", "mlflow-labs/postgres:15", settings.OFFLINE_MLFLOW_IMAGE]
    missing = [i for i in wanted if not docker_engine.image_present(i)]
    if missing:
        pytest.skip(f"offline images {missing} not built here. Fix: scripts/build-offline-images")
    p = subprocess.run([str(repo_root() / "scripts" / "build-offline-images"), "--print-env"],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    for image in wanted:
        assert f"{image} exists, skipped" in p.stderr
    exports = [ln for ln in p.stdout.splitlines() if ln and not ln.startswith("#")]
    assert exports == ["export MLFLOW_LABS_POSTGRES_IMAGE=mlflow-labs/postgres:15",
                       f"export MLFLOW_LABS_MLFLOW_IMAGE={settings.OFFLINE_MLFLOW_IMAGE}"]
