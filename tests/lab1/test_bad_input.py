"""Bad input for the server the harness starts: a clear error, no hang."""

from __future__ import annotations

import socket

import pytest

from mlflow_labs.errors import LabError, StartupError
from mlflow_labs.infra.mlflow_server import MlflowServer

pytestmark = pytest.mark.lab1


def test_port_already_taken_names_the_port(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        with pytest.raises(LabError, match=rf"Port {port} is already in use"):
            MlflowServer(f"sqlite:///{tmp_path}/x.db", port=port, workdir=tmp_path).start()


@pytest.mark.harness  # an injected failure (no README types this URI): it proves the harness's start-up report
def test_server_exiting_at_startup_shows_its_log_tail(tmp_path):
    server = MlflowServer("notascheme://nowhere", workdir=tmp_path)
    with pytest.raises(StartupError) as err:
        server.start()
    msg = str(err.value)
    assert "exited during start-up" in msg
    assert "Last lines of its log" in msg
    assert "notascheme" in msg  # MLflow's own complaint about the URI, from its log
    assert server.process is None
