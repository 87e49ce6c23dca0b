"""What lab 1 needs on the machine (`mlflow-labs doctor lab1`)."""

from mlflow_labs.infra import probes

PREREQS = (probes.PYTHON, probes.MLFLOW)
