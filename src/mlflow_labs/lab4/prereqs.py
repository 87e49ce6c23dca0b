"""What lab 4 needs on the machine (`mlflow-labs doctor lab4`)."""

from mlflow_labs.infra import probes

PREREQS = (probes.PYTHON, probes.MLFLOW, probes.GIT, probes.GIT_IDENTITY, probes.DVC)
