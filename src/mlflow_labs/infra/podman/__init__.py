"""Run a Helm-rendered chart's pods with `podman kube play`: Kubernetes pods without a Kubernetes API.

- manifest.py: the rendered manifests rewritten into podman-playable Pods, every change recorded;
- pods.py: PodmanPods, playing, deleting and describing those pods (a context manager usable without
  pytest; the run's pods and volumes always removed);
- images.py: the offline images copied from the local Docker engine into podman's store;
- command.py: the podman command, once it has shown it can run a container here.

This file only gathers what the labs use.
"""

from mlflow_labs.infra.podman.command import INSTALL_PODMAN, podman, require_podman
from mlflow_labs.infra.podman.images import (DBCHECKER_IMAGE, ensure_dbchecker_image, ensure_image, kubernetes_name,
                                             local_name)
from mlflow_labs.infra.podman.manifest import LABEL, PodManifests, PodPlan
from mlflow_labs.infra.podman.pods import Pod, PodmanPods

__all__ = ["DBCHECKER_IMAGE", "INSTALL_PODMAN", "LABEL", "Pod", "PodManifests", "PodPlan", "PodmanPods",
           "ensure_dbchecker_image", "ensure_image", "kubernetes_name", "local_name", "podman", "require_podman"]
