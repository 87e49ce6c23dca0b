"""Lab 2: MLflow on Kubernetes with the community-charts Helm chart (kind, or the chart's pods under podman)."""

from mlflow_labs.harness.spec import LabSpec

SPEC = LabSpec(
    name="lab2", folder="lab2-kind-helm", title="MLflow on kind with the community-charts Helm chart",
    checks_module=f"{__name__}.checks", scenario=f"{__name__}.scenario:run",   # kind, or the chart's pods
    prereqs=("PYTHON", "DOCKER", "KIND", "HELM", "PODMAN", "KUBECTL", f"{__name__}.prereqs:CHART"),
    learner_starts="lab",
    infra=("auto", "kind", "podman"), infra_help="for lab2: auto|kind|podman",
    pytest_plugins=(f"{__name__}.pytest_hooks",),
    borrows={"lab3-kubernetes": "lab3-postgres/kubernetes"},  # lab 3's Kubernetes part runs on lab 2's machinery
)
