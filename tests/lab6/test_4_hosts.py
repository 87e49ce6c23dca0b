"""The Host header: 403 "Invalid Host header" for a DNS name, /health exempt, `--allowed-hosts` fixes it
and replaces the defaults; for real from a container calling the server by its name on a Docker network.
Read from the figures of the one `mlflow-labs run lab6` (the `lab_command` fixture)."""

from __future__ import annotations

import pytest

from mlflow_labs import settings
from mlflow_labs.errors import LabError
from mlflow_labs.infra import docker_engine

pytestmark = pytest.mark.lab6


def test_dns_name_refused_health_exempt_allowed_hosts_fixes(lab_command):
    by = {f["server"]: f for f in lab_command.figures["hosts"]}
    assert {"default", "--allowed-hosts", "--allowed-hosts (private IP)"} <= set(by), (by, lab_command.why())
    default, allowed, replaced = by["default"], by["--allowed-hosts"], by["--allowed-hosts (private IP)"]
    assert default["api"] == 403 and "Invalid Host header" in default["body"] and default["health"] == 200
    assert allowed["api"] == 200
    assert replaced["api"] == 403  # a private IP, accepted by default, is refused once --allowed-hosts is set


def test_from_a_container_by_name(lab_command):
    try:
        c = docker_engine.client(timeout=5)
    except LabError as exc:
        pytest.skip(str(exc))
    # the run takes the image's offline build where the image itself is absent (a machine without a registry)
    if not any(docker_engine.image_present(i, c) for i in (settings.mlflow_image(), settings.OFFLINE_MLFLOW_IMAGE)):
        pytest.skip(str(docker_engine.missing_image_error(settings.mlflow_image())))
    by_name = [f for f in lab_command.figures["hosts"] if str(f["server"]).startswith("container")]
    assert len(by_name) == 2, (by_name, lab_command.why())
    default, fixed = by_name
    assert default["codes"]["/health"] == 200 and default["codes"]["/api/2.0/mlflow/experiments/search?max_results=1"] == 403
    assert fixed["codes"]["/api/2.0/mlflow/experiments/search?max_results=1"] == 200
