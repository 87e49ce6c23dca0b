"""Lab 2 and Lab 3 on Kubernetes without a cluster: the real chart, rendered by real Helm, its pods run by Podman.

`mlflow-labs run lab2 --infra podman` (and `auto` where kind cannot run). The README's own
`helm install` command is rendered with `helm template` and exactly its flags (lab2/chart.py);
the Deployment's pod is played with `podman kube play` (infra/podman/), reached on a loopback
hostPort instead of `kubectl port-forward`; the README's own training and check blocks log the
notes' run through it. "Delete the pod" is `podman kube down` + `podman kube play` of the same pod.
Every change made to the rendered manifests is a substitution in the report.

- pods_run.py:  PodsRun, what both runs share (prerequisites, images, README pieces, MLflow's pod);
- pod_images.py: the images the pods run, in podman's store (CI's provisioning loads them beforehand);
- pods_lab2.py: Lab2PodsRun: the run appears; after the pod is replaced it is gone (SQLite in the emptyDir);
- pods_lab3.py: Lab3K8sPodsRun: PostgreSQL as a pod, the README's SQL, the run survives the MLflow pod;
- pods_gate.py: the dbchecker init container holding MLflow back while the database port is closed.

This file picks the run and gathers what the rest of lab 2 and the tests use.
"""

from __future__ import annotations

from mlflow_labs.lab2.pods_lab2 import Lab2PodsRun
from mlflow_labs.lab2.pods_lab3 import Lab3K8sPodsRun
from mlflow_labs.lab2.pod_images import CHART_MLFLOW_IMAGE
from mlflow_labs.lab2.pods_run import PodsRun, pods_available, require_pods_prerequisites

__all__ = ["CHART_MLFLOW_IMAGE", "Lab2PodsRun", "Lab3K8sPodsRun", "PodsRun", "pods_available",
           "require_pods_prerequisites", "run"]


def run(progress=print, keep: bool = False, workdir=None, part: str = "lab2", **_):
    cls = Lab3K8sPodsRun if part == "lab3-kubernetes" else Lab2PodsRun
    return cls(progress=progress, keep=keep, workdir=workdir, infra="podman").execute()
