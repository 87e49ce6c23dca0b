"""Lab 6: a production MLflow under load, faults and strangers."""

from mlflow_labs.harness.inputs import LOGIN, Input
from mlflow_labs.harness.spec import LabSpec

# Who the checks act as (lab6/auth.py reads them; `grade`'s roster columns reader_username, reader_password_var, ...)
READER = Input("reader", LOGIN, ("LAB6_READER_USERNAME", "LAB6_READER_PASSWORD"),
               "the user granted READ on the experiment (Step 3)", default_username="reader")
WRITER = Input("writer", LOGIN, ("LAB6_WRITER_USERNAME", "LAB6_WRITER_PASSWORD"),
               "the user granted EDIT on the experiment (Step 3)", default_username="writer")

SPEC = LabSpec(
    name="lab6", folder="lab6-production", title="A production MLflow under load, faults and strangers",
    checks_module=f"{__name__}.checks", server_probe=f"{__name__}.checks:ensure_server",
    scenario=f"{__name__}.scenario:Lab6Run",
    prereqs=("PYTHON", "MLFLOW", f"{__name__}.prereqs:MLFLOW_AUTH", "DOCKER", "POSTGRES_BINARIES"),
    port=7606,   # its README serves on its own port, not the other labs' 7006
    inputs=(READER, WRITER),
)
