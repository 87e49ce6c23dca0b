"""What only lab 6 needs on the machine (its spec lists it with the shared ones: `mlflow-labs doctor lab6`)."""

from mlflow_labs import settings
from mlflow_labs.harness.prereqs import Prereq
from mlflow_labs.infra import probes

# `mlflow server --app-name basic-auth` needs the [auth] extra (Flask-WTF)
MLFLOW_AUTH = Prereq("mlflow[auth] (basic-auth server)", probes.dist("Flask-WTF"),
                     lambda: f"pip install 'mlflow[auth]=={settings.mlflow_pin()}' (tox does this)")
