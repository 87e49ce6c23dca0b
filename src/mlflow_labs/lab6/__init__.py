"""Lab 6: a production MLflow under load, faults and strangers."""

from mlflow_labs.harness.spec import LabSpec

SPEC = LabSpec(
    name="lab6", folder="lab6-production", title="A production MLflow under load, faults and strangers",
    checks_module=f"{__name__}.checks", server_probe=f"{__name__}.checks:ensure_server", scenario_module=f"{__name__}.scenario",
    prereqs=f"{__name__}.prereqs:PREREQS", byhand=f"{__name__}.byhand:table",
)
