"""Lab 6's basic-auth app (`mlflow server --app-name basic-auth`) as a test's own empty server: its auth.ini
and admin password of its own, SQLite under ``work``. For what must meet authentication without the lab's
README (a grading class's server, a near-miss learner who ran lab 6's app where lab 7's plugin belongs)."""

from __future__ import annotations

import secrets
from contextlib import contextmanager
from pathlib import Path

import pytest

from mlflow_labs.infra.mlflow_server import MlflowServer

AUTH_INI = """[mlflow]
default_permission = {permission}
database_uri = sqlite:///{db}
admin_username = admin
authorization_function = mlflow.server.auth:authenticate_request_basic_auth
"""


@contextmanager
def basic_auth_server(work: Path, progress=None, *, default_permission: str = "READ",
                      admin_password: str | None = None):
    """The running server; ``server.admin`` is its admin's (user, password), a fresh password unless given."""
    (work / "auth.ini").write_text(AUTH_INI.format(permission=default_permission, db=work / "auth.db"))
    admin = ("admin", admin_password or secrets.token_urlsafe(18))
    env = {"MLFLOW_AUTH_CONFIG_PATH": str(work / "auth.ini"), "MLFLOW_AUTH_ADMIN_PASSWORD": admin[1],
           "MLFLOW_FLASK_SERVER_SECRET_KEY": secrets.token_hex(16)}
    with MlflowServer(f"sqlite:///{work / 'mlflow.db'}", workdir=work, extra_args=["--app-name", "basic-auth"],
                      env=env, progress=progress) as server:
        server.admin = admin
        yield server


@contextmanager
def client_as_admin(password: str):
    """MLflow's client in this process signed in as the admin, until leaving (it reads its credentials from
    MLFLOW_TRACKING_USERNAME/PASSWORD): for near-miss states logged onto a basic-auth server."""
    with pytest.MonkeyPatch.context() as env:
        env.setenv("MLFLOW_TRACKING_USERNAME", "admin")
        env.setenv("MLFLOW_TRACKING_PASSWORD", password)
        yield
