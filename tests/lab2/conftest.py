"""Lab 2's tests on Podman share one gate: helm, podman and the chart, or a skip naming the one missing and
its fix."""

from __future__ import annotations

import pytest

from mlflow_labs.errors import PrerequisiteMissing
from mlflow_labs.lab2 import chart as cv
from mlflow_labs.lab2 import pods


@pytest.fixture(scope="module")
def pods_ready():
    try:
        pods.require_pods_prerequisites()
        cv.chart_ref()
    except PrerequisiteMissing as exc:
        pytest.skip(str(exc))
