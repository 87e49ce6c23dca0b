"""What lab 5 needs on the machine (`mlflow-labs doctor lab5`)."""

from mlflow_labs.infra import probes

PREREQS = (probes.PYTHON, probes.MLFLOW, probes.GIT, probes.CHROMIUM)
