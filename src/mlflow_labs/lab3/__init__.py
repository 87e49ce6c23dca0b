"""Lab 3: MLflow with a PostgreSQL backend (containers or local processes; on Kubernetes through lab 2)."""

from mlflow_labs.harness.spec import LabSpec

SPEC = LabSpec(
    name="lab3", folder="lab3-postgres", title="MLflow with a PostgreSQL backend",
    checks_module=f"{__name__}.checks", scenario=f"{__name__}.scenario:Lab3Run",
    prereqs=("PYTHON", "MLFLOW", "DOCKER", f"{__name__}.prereqs:IMAGES", "POSTGRES_BINARIES"),
    byhand=f"{__name__}.byhand:table",
    byhand_route=f"{__name__}.byhand:route", check_options=("after-restart",),
)

# Step 0's names on the container route: the network both containers join, and the PostgreSQL container's
# name, which the MLflow container's URI uses for <RDS-ENDPOINT> (the README's table)
NETWORK, POSTGRES_NAME = "lab3-net", "lab3-postgres"
