"""What only lab 7 needs on the machine (its spec lists these with the shared ones: `mlflow-labs doctor lab7`)."""

from mlflow_labs.harness.prereqs import Prereq
from mlflow_labs.infra import probes


def _python() -> str | None:
    from mlflow_labs.lab7.environment import python_version
    return python_version()


def _python_fix() -> str:
    from mlflow_labs.lab7.environment import PYTHON_FIX
    return PYTHON_FIX + "; then scripts/provision-lab7 builds .venv-lab7 with mlflow + mlflow-oidc-auth"


def _node() -> str | None:
    node, npm = probes.version(["node", "--version"]), probes.version(["npm", "--version"])
    return f"node {node}, npm {npm}" if node and npm else None


def _node_fix() -> str:
    from mlflow_labs.lab7.environment import NODE_FIX
    return NODE_FIX + "; then scripts/provision-lab7 runs npm ci in labs/lab7-sso"


PYTHON_312 = Prereq("Python >= 3.12 for mlflow-oidc-auth (its own venv)", _python, _python_fix)
NODE = Prereq("node + npm (the identity provider)", _node, _node_fix)
