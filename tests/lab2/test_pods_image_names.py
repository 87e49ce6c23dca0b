"""An image name in the chart means on Podman what it means on Kubernetes (issue 34).

The chart names `burakince/mlflow:3.15.1` and `busybox:1.38.0`; Kubernetes reads a short name as Docker Hub's.
Podman, with this machine's own /etc/containers/registries.conf (Debian lists no unqualified-search
registry), refuses to pull a short name ("short-name ... did not resolve to an alias"), and when it finds
one in its store it takes localhost/x before docker.io/x. The pods path names every image it leaves to a
registry as Kubernetes does (infra/podman/images.kubernetes_name), and reports the change.
"""

from __future__ import annotations

import uuid

import pytest

from mlflow_labs.errors import StartupError
from mlflow_labs.harness.net import wait_until
from mlflow_labs.infra import podman as pm

pytestmark = pytest.mark.lab2


def _deployment(image: str) -> list[dict]:
    """A chart-like Deployment whose one container prints /which and stays up a little."""
    return [{"kind": "Deployment", "metadata": {"name": "probe"}, "spec": {"template": {
        "metadata": {"labels": {"app": "probe"}},
        "spec": {"restartPolicy": "Never", "containers": [{
            "name": "probe", "image": image, "imagePullPolicy": "IfNotPresent",
            "command": ["sh", "-c", "cat /which; sleep 30"]}]}}}}]


@pytest.fixture
def namesakes(pods_ready, progress):
    """Two images of one short name in podman's store: docker.io/<it> and localhost/<it>, each saying which."""
    base = pm.ensure_image("mlflow-labs/debian:bookworm", progress)
    short = f"mlflow-labs-probe-{uuid.uuid4().hex[:8]}/names:1"
    made = []
    try:
        for registry in ("docker.io", "localhost"):
            ctr = f"mlk-names-{uuid.uuid4().hex[:8]}"
            pm.podman("run", "--name", ctr, base, "sh", "-c", f"echo {registry} > /which", timeout=120)
            pm.podman("commit", "-q", ctr, f"{registry}/{short}", timeout=120)
            pm.podman("rm", "-f", ctr, timeout=60)
            made.append(f"{registry}/{short}")
        yield short
    finally:
        for image in made:
            pm.podman("rmi", "-f", image, check=False, timeout=60)


def test_a_short_name_runs_docker_hubs_image_not_a_local_namesake(namesakes, tmp_path, progress):
    """Kubernetes runs docker.io/<short>; podman given the short name would run localhost/<short>."""
    with pm.PodmanPods(tmp_path, prefix="names", progress=progress) as pp:
        _, docs = pp.pod_manifest(_deployment(namesakes), pm.PodPlan("probe"))
        pod = pp.play("probe", docs, timeout=180)

        def output():
            said = pp.logs(pod, "probe", 5).strip()
            return (said if said in ("docker.io", "localhost") else None), said
        said = wait_until(output, timeout=60, what="the probe container's output")
        assert said == "docker.io", f"the pod ran {said}/{namesakes}, not Docker Hub's"
        assert f"image {namesakes} -> docker.io/{namesakes} (Kubernetes reads a short name" in \
            " | ".join(pp.substitutions), pp.substitutions
    assert pp.leftovers() == []


def test_an_image_in_no_store_is_pulled_from_docker_hub_not_refused_as_a_short_name(pods_ready, tmp_path, progress):
    """Online this pulls the chart's images as Kubernetes would; here (no registry) podman's error says it
    tried Docker Hub. Never "short-name ... did not resolve", which a newcomer would meet otherwise."""
    absent = f"mlflow-labs-absent-{uuid.uuid4().hex[:8]}/img:1"
    with pm.PodmanPods(tmp_path, prefix="absent", progress=progress) as pp:
        _, docs = pp.pod_manifest(_deployment(absent), pm.PodPlan("probe"))
        with pytest.raises(StartupError) as err:
            pp.play("probe", docs, timeout=180)
    message = str(err.value)
    assert "short-name" not in message and "docker.io" in message, message
    assert pp.leftovers() == []
