"""What only lab 2 needs on the machine, the chart (its spec lists it with the shared ones: `mlflow-labs
doctor lab2`; its preflight refuses from the same list)."""

import os

from mlflow_labs import settings
from mlflow_labs.harness.prereqs import Prereq


def chart_source() -> str | None:
    """Where lab 2's helm template gets the chart: the setting, else the cache (else absent: doctor prints the
    `helm pull` that fills the cache)."""
    from mlflow_labs.lab2.chart import CHART_NAME, CHART_VERSION
    chart = settings.current().chart
    if chart:
        return f"MLFLOW_LABS_CHART={chart}" if os.path.exists(chart) else None
    cached = settings.chart_cache() / f"{CHART_NAME}-{CHART_VERSION}.tgz"
    return str(cached) if cached.is_file() else None


def _chart_help() -> str:
    from mlflow_labs.lab2.chart import chart_source_help
    return chart_source_help()


CHART = Prereq("mlflow chart 1.11.5 (helm template)", chart_source, _chart_help)
