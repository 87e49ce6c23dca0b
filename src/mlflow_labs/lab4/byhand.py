"""Lab 4's learner replay (`mlflow-labs run lab4 --by-hand`): from the course repository; only the port is filled in."""

from mlflow_labs.harness.net import free_port
from mlflow_labs.harness.readme.placeholders import host_port
from mlflow_labs.harness.spec import ByHand
from mlflow_labs.settings import DOCUMENTED_PORT


def table(route: str | None = None) -> ByHand:
    return ByHand("repo", [host_port(DOCUMENTED_PORT, free_port())])
