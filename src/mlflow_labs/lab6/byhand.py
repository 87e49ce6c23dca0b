"""Lab 6's learner replay: its secrets come from Step 1's own commands; nothing but the port is filled in."""

from mlflow_labs.harness.net import free_port
from mlflow_labs.harness.readme.placeholders import host_port
from mlflow_labs.harness.spec import ByHand

README_PORT = 7606  # lab 6's README serves on its own port, not the other labs' 7006


def table(route: str | None = None) -> ByHand:
    return ByHand("home", [host_port(README_PORT, free_port())])
