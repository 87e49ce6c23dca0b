"""The Host header: 403 "Invalid Host header" for a DNS name, /health exempt, `--allowed-hosts` fixes it
and replaces the defaults; for real from a container calling the server by its name on a Docker network."""

from __future__ import annotations

import pytest

from mlflow_labs import settings
from mlflow_labs.harness.errors import LabError
from mlflow_labs.infra import docker_engine

pytestmark = pytest.mark.lab6


def test_dns_name_refused_health_exempt_allowed_hosts_fixes(lab):
    lab.host_header(lab.start_pg_server())
    default, allowed, replaced = lab.figures["hosts"][-3:]
    assert default["api"] == 403 and "Invalid Host header" in default["body"] and default["health"] == 200
    assert allowed["api"] == 200
    assert replaced["api"] == 403  # a private IP, accepted by default, is refused once --allowed-hosts is set


def test_from_a_container_by_name(lab):
    try:
        c = docker_engine.client(timeout=5)
    except LabError as exc:
        pytest.skip(str(exc))
    if not docker_engine.image_present(settings.mlflow_image(), c):
        pytest.skip(str(docker_engine.missing_image_error(settings.mlflow_image())))
    lab.host_header_container()
    by_name = [f for f in lab.figures["hosts"] if str(f["server"]).startswith("container")]
    default, fixed = by_name[-2:]
    assert default["codes"]["/health"] == 200 and default["codes"]["/api/2.0/mlflow/experiments/search?max_results=1"] == 403
    assert fixed["codes"]["/api/2.0/mlflow/experiments/search?max_results=1"] == 200
