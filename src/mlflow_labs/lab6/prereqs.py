"""What lab 6 needs on the machine (`mlflow-labs doctor lab6`)."""

from mlflow_labs import settings
from mlflow_labs.harness.prereqs import Prereq
from mlflow_labs.infra import probes

# `mlflow server --app-name basic-auth` needs the [auth] extra (Flask-WTF)
MLFLOW_AUTH = Prereq("mlflow[auth] (basic-auth server)", probes.dist("Flask-WTF"),
                     lambda: f"pip install 'mlflow[auth]=={settings.mlflow_pin()}' (tox does this)")

PREREQS = (probes.PYTHON, probes.MLFLOW, MLFLOW_AUTH, probes.DOCKER, probes.POSTGRES_BINARIES)
