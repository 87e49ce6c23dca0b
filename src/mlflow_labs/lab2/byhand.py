"""Lab 2's learner replay: "run from this folder" (a copy of the lab's folder), on a real kind cluster."""

from mlflow_labs.harness.net import free_port
from mlflow_labs.harness.readme.placeholders import host_port
from mlflow_labs.harness.spec import ByHand
from mlflow_labs.settings import DOCUMENTED_PORT


def table(route: str | None = None) -> ByHand:
    return ByHand("lab", [host_port(DOCUMENTED_PORT, free_port())])
