"""infra/mlflow_server.py's ``uri_in_env``: the backend store URI (with its database password) reaches the
server in MLFLOW_BACKEND_STORE_URI and is nowhere on its command line, where `ps` shows it to every user.
(Lab 6's servers run this way; tests/lab6 sees them serve from PostgreSQL.)"""

from __future__ import annotations

import pytest

from mlflow_labs.infra.mlflow_server import MlflowServer

pytestmark = pytest.mark.unit

URI = "postgresql+psycopg://mlflow:s3cret-pw@127.0.0.1:5432/mlflow"


def test_uri_in_env_keeps_the_password_off_the_command_line(tmp_path):
    server = MlflowServer(URI, port=5999, workdir=tmp_path, uri_in_env=True)
    assert not [a for a in server.command() if "s3cret-pw" in a], server.command()
    assert "--backend-store-uri" not in server.command()
    assert server.env["MLFLOW_BACKEND_STORE_URI"] == URI


def test_by_default_the_uri_is_an_argument(tmp_path):
    cmd = MlflowServer(URI, port=5999, workdir=tmp_path).command()
    assert cmd[cmd.index("--backend-store-uri") + 1] == URI
