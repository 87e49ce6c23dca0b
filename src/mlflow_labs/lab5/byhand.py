"""Lab 5's learner replay (`mlflow-labs run lab5 --by-hand`): the learner starts in HOME; only the port is filled in."""

from mlflow_labs.harness.net import free_port
from mlflow_labs.harness.readme.placeholders import host_port
from mlflow_labs.harness.spec import ByHand
from mlflow_labs.settings import DOCUMENTED_PORT


def table(route: str | None = None) -> ByHand:
    return ByHand("home", [host_port(DOCUMENTED_PORT, free_port())])
