"""Lab 1: a local MLflow server on SQLite."""

from mlflow_labs.harness.spec import LabSpec

SPEC = LabSpec(
    name="lab1", folder="lab1-sqlite-local", title="Local MLflow server on SQLite",
    checks_module=f"{__name__}.checks", scenario=f"{__name__}.scenario:Lab1Run",
    prereqs=("PYTHON", "MLFLOW"),
)
