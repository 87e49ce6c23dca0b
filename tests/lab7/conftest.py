"""Lab 7 fixtures: ONE lab run for the whole session (the README's IdP and MLflow-with-plugin, the
browser sign-ins, the README's tokens, grants and check); the tests drive what comes after, each its
own, in any order (`--reverse`). Its report is printed and written at the end."""

from __future__ import annotations

import pytest

from mlflow_labs import plugin
from mlflow_labs.lab7.scenario import Lab7Run


@pytest.fixture(scope="session")
def lab(request, progress, keep_infra):
    messages: list[str] = []

    def say(msg: str) -> None:  # what a learner's terminal shows; kept for the secret scan
        messages.append(msg)
        progress(msg)

    run = Lab7Run(progress=say, keep=keep_infra)
    run.messages = messages
    request.config.stash[plugin._REPORTS].append(run.report)
    try:
        with run.phase("setup"):
            run.setup()
        run.run_readme_servers()
        run.sign_in_everyone()
        run.run_readme_rest()
        yield run
        # the watch ran the whole session: every test's commands too
        assert run.scan_command_lines("end of the session") == [], "a secret or token was on a command line"
    finally:
        run.close()


@pytest.fixture(scope="session")
def basic_auth_server(tmp_path_factory, progress):
    """A server without the plugin, but not open: lab 6's basic-auth app (its auth.ini, an admin password
    of its own), empty. Started only by the tests that ask for it."""
    import secrets

    from mlflow_labs.infra.mlflow_server import MlflowServer

    work = tmp_path_factory.mktemp("lab7-basic-auth")
    (work / "auth.ini").write_text(f"[mlflow]\ndefault_permission = READ\ndatabase_uri = sqlite:///{work / 'auth.db'}\n"
                                   f"admin_username = admin\n"
                                   f"authorization_function = mlflow.server.auth:authenticate_request_basic_auth\n")
    env = {"MLFLOW_AUTH_CONFIG_PATH": str(work / "auth.ini"), "MLFLOW_AUTH_ADMIN_PASSWORD": secrets.token_urlsafe(18),
           "MLFLOW_FLASK_SERVER_SECRET_KEY": secrets.token_hex(16)}
    with MlflowServer(f"sqlite:///{work / 'mlflow.db'}", workdir=work, extra_args=["--app-name", "basic-auth"],
                      env=env, progress=progress) as server:
        server.admin = ("admin", env["MLFLOW_AUTH_ADMIN_PASSWORD"])
        yield server
