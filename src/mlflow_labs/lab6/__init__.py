"""Lab 6: a production MLflow under load, faults and strangers."""

from mlflow_labs.harness.spec import LabSpec

SPEC = LabSpec(
    name="lab6", folder="lab6-production", title="A production MLflow under load, faults and strangers",
    checks_module=f"{__name__}.checks", server_probe=f"{__name__}.checks:ensure_server",
    scenario=f"{__name__}.scenario:Lab6Run",
    prereqs=("PYTHON", "MLFLOW", f"{__name__}.prereqs:MLFLOW_AUTH", "DOCKER", "POSTGRES_BINARIES"),
    port=7606,   # its README serves on its own port, not the other labs' 7006
)
