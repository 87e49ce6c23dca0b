"""`mlflow-labs check` against servers that never finish answering: it ends, with one clear error.

Before the per-request bounds (harness/client.py ``request_bounds``), a dripping /health or an endless
API answer held `check` forever (requests' timeout is between bytes, not for the whole answer)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.grade.hostile import HostileServer


def check(uri: str, **env) -> subprocess.CompletedProcess:
    return subprocess.run([str(Path(sys.executable).parent / "mlflow-labs"), "check", "lab1", "--tracking-uri", uri],
                          capture_output=True, text=True, timeout=120, env={**os.environ, **env})


@pytest.mark.parametrize("kind, says", [
    ("drip", "drips its answer"),
    ("huge", "answered more than"),
])
def test_check_ends_on_a_server_that_never_finishes(kind, says):
    with HostileServer(kind) as server:
        p = check(server.uri, MLFLOW_LABS_HTTP_TIMEOUT="2")
    assert p.returncode == 2, p.stdout + p.stderr
    assert says in p.stderr, p.stderr
    assert "Traceback" not in p.stderr


def test_a_bad_timeout_setting_is_named():
    p = check("http://127.0.0.1:9", MLFLOW_LABS_HTTP_TIMEOUT="soon")
    assert p.returncode == 2
    assert "MLFLOW_LABS_HTTP_TIMEOUT='soon'" in p.stderr and "Traceback" not in p.stderr
