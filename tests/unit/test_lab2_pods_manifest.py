"""How infra/podman/ turns rendered chart manifests into a podman-playable pod (pure logic, no podman run)."""

from __future__ import annotations

import base64

import pytest

from mlflow_labs.errors import LabError, PrerequisiteMissing
from mlflow_labs.infra import podman as pm
from mlflow_labs.infra.podman import pods as podman_pods  # where PodmanPods looks up podman
from mlflow_labs.lab2 import scenario

pytestmark = pytest.mark.unit


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


DOCS = [
    {"kind": "Secret", "metadata": {"name": "env-secret"}, "data": {"PGPASSWORD": _b64("s3cret")}},
    {"kind": "ConfigMap", "metadata": {"name": "env-cm"}, "data": {"PGHOST": "postgres"}},
    {"kind": "ConfigMap", "metadata": {"name": "mlflow-dbchecker"}, "data": {"dbchecker.sh": "nc -z"}},
    {"kind": "ConfigMap", "metadata": {"name": "unused"}, "data": {}},
    {"kind": "Service", "metadata": {"name": "mlflow"}},
    {"kind": "Deployment", "metadata": {"name": "mlflow"}, "spec": {"template": {
        "metadata": {"labels": {"app": "mlflow"}},
        "spec": {
            "initContainers": [{"name": "dbchecker", "image": "busybox:1.38.0", "command": ["/script/dbchecker.sh"],
                                "envFrom": [{"configMapRef": {"name": "env-cm"}}],
                                "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"},
                                                 {"name": "dbchecker", "mountPath": "/script/dbchecker.sh",
                                                  "subPath": "dbchecker.sh"}]}],
            "containers": [{"name": "mlflow", "image": "burakince/mlflow:3.15.1",
                            "ports": [{"name": "mlflow", "containerPort": 5000}],
                            "livenessProbe": {"httpGet": {"path": "/health", "port": "mlflow"}},
                            "envFrom": [{"configMapRef": {"name": "env-cm"}}, {"secretRef": {"name": "env-secret"}}],
                            "env": [{"name": "X", "valueFrom": {"secretKeyRef": {"name": "env-secret", "key": "PGPASSWORD"}}}],
                            "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}]},
                           {"name": "sidecar", "image": "db:1", "ports": [{"containerPort": 5432}],
                            "readinessProbe": {"exec": {"command": ["true"]}}}],
            "volumes": [{"name": "tmp", "emptyDir": {}},
                        {"name": "dbchecker", "configMap": {"name": "mlflow-dbchecker"}}]}}}},
]


@pytest.fixture
def pods(tmp_path, monkeypatch):
    monkeypatch.setattr(podman_pods, "require_podman", lambda: "/usr/bin/podman")
    return pm.PodmanPods(tmp_path, prefix="t", progress=None)


def test_the_pod_gets_every_change_and_each_is_reported(pods):
    plan = pm.PodPlan("mlflow", host_port=("mlflow", "mlflow", 41000),
                      images={"burakince/mlflow:3.15.1": "localhost/mlflow-labs/mlflow:3.15.1"},
                      host_aliases={"postgres": "10.89.0.5"})
    name, docs = pods.pod_manifest(DOCS, plan)
    assert name == f"{pods.run_id}-mlflow"
    pod = docs[-1]
    assert [d["kind"] for d in docs] == ["ConfigMap", "ConfigMap", "Pod"]   # the unused ConfigMap left out
    assert pod["metadata"]["labels"] == {"app": "mlflow", pm.LABEL: pods.run_id}
    spec = pod["spec"]
    mlflow, sidecar = spec["containers"]
    checker = spec["initContainers"][0]
    assert {"name": "PGPASSWORD", "value": "s3cret"} in mlflow["env"] and {"name": "X", "value": "s3cret"} in mlflow["env"]
    assert mlflow["envFrom"] == [{"configMapRef": {"name": "env-cm"}}]
    assert mlflow["ports"] == [{"name": "mlflow", "containerPort": 5000, "hostPort": 41000, "hostIP": "127.0.0.1"}]
    assert (mlflow["image"], mlflow["imagePullPolicy"]) == ("localhost/mlflow-labs/mlflow:3.15.1", "Never")
    assert "ports" not in sidecar                       # podman 4.3 would publish it on 0.0.0.0
    # an image left to a registry is named as Kubernetes reads it: a short name is Docker Hub's
    assert checker["command"] == ["sh", "/script/dbchecker.sh"] and checker["image"] == "docker.io/library/busybox:1.38.0"
    assert sidecar["image"] == "docker.io/library/db:1" and "imagePullPolicy" not in sidecar
    assert {"name": "dbchecker", "mountPath": "/script"} in checker["volumeMounts"]   # no subPath on podman 4.3
    assert spec["restartPolicy"] == "OnFailure"   # podman 4.3 would restart the finished init container
    assert spec["hostAliases"] == [{"ip": "10.89.0.5", "hostnames": ["postgres"]}]
    assert spec["volumes"] == [{"name": f"{pods.run_id}-tmp", "emptyDir": {}},
                               {"name": "dbchecker", "configMap": {"name": f"{pods.run_id}-mlflow-dbchecker"}}]
    assert {m["name"] for m in mlflow["volumeMounts"]} == {f"{pods.run_id}-tmp"}
    assert docs[1]["metadata"]["name"] == f"{pods.run_id}-mlflow-dbchecker"
    subs = " | ".join(pods.substitutions)
    for needle in ("Secret env-secret -> resolved", "hostPort 127.0.0.1:41000", "image burakince/mlflow:3.15.1 ->",
                   "sh /script/dbchecker.sh", "hostAliases postgres: 10.89.0.5", "emptyDir tmp ->",
                   "containerPort 5432 left out", "ConfigMap volume mlflow-dbchecker ->",
                   "image busybox:1.38.0 -> docker.io/library/busybox:1.38.0 (Kubernetes reads a short name",
                   "ConfigMap mount /script/dbchecker.sh (subPath dbchecker.sh) -> the ConfigMap at /script"):
        assert needle in subs, (needle, subs)
    assert DOCS[-1]["spec"]["template"]["spec"]["containers"][0]["image"] == "burakince/mlflow:3.15.1", "input changed"


def test_a_missing_secret_is_named(pods):
    docs = [d for d in DOCS if d["kind"] != "Secret"]
    with pytest.raises(LabError, match="container mlflow reads Secret env-secret"):
        pods.pod_manifest(docs, pm.PodPlan("mlflow"))


@pytest.mark.parametrize("image,meant", [
    ("busybox:1.38.0", "docker.io/library/busybox:1.38.0"),              # one part: Docker Hub's official image
    ("burakince/mlflow:3.15.1", "docker.io/burakince/mlflow:3.15.1"),    # two parts: a Docker Hub user's
    ("postgres@sha256:" + "a" * 64, "docker.io/library/postgres@sha256:" + "a" * 64),
    ("index.docker.io/busybox", "docker.io/library/busybox"),
    ("docker.io/library/busybox:1", "docker.io/library/busybox:1"),      # already qualified: as is
    ("quay.io/org/img:1", "quay.io/org/img:1"), ("registry:5000/img", "registry:5000/img"),
    ("localhost/mlflow-labs/mlflow:3.15.1", "localhost/mlflow-labs/mlflow:3.15.1")])
def test_image_names_mean_what_kubernetes_means(image, meant):
    assert pm.kubernetes_name(image) == meant


def test_local_names_of_loaded_images():
    assert pm.local_name("mlflow-labs/mlflow:3.15.1") == "localhost/mlflow-labs/mlflow:3.15.1"
    assert pm.local_name("localhost/x/y:1") == "localhost/x/y:1"
    assert pm.local_name("docker.io/burakince/mlflow:3.15.1") == "docker.io/burakince/mlflow:3.15.1"


def test_infra_choice_for_the_kubernetes_labs(monkeypatch):
    assert scenario.choose_infra("podman") == "podman" and scenario.choose_infra("kind") == "kind"
    with pytest.raises(LabError, match="Unknown infra 'docker' for the Kubernetes labs"):
        scenario.choose_infra("docker")
    monkeypatch.setenv("PATH", "/nonexistent")   # neither kind nor podman nor helm
    with pytest.raises(PrerequisiteMissing) as err:
        scenario.choose_infra("auto", check_chart_repo=False)
    assert "kind" in str(err.value) and "provision-k8s-tools" in err.value.fix


def _with_claim(docs):
    """DOCS with the chart's extraVolumes form of persistent storage: a claim mounted at /data."""
    import copy
    docs = copy.deepcopy(docs)
    spec = docs[-1]["spec"]["template"]["spec"]
    spec["volumes"].append({"name": "data", "persistentVolumeClaim": {"claimName": "mlflow-data"}})
    spec["containers"][0]["volumeMounts"].append({"name": "data", "mountPath": "/data"})
    return docs


def test_a_claim_becomes_a_named_volume_of_the_run(pods):
    _name, docs = pods.pod_manifest(_with_claim(DOCS), pm.PodPlan("mlflow"))
    spec = docs[-1]["spec"]
    assert {"name": "data", "persistentVolumeClaim": {"claimName": f"{pods.run_id}-mlflow-data"}} in spec["volumes"]
    assert "PersistentVolumeClaim mlflow-data -> podman volume" in " | ".join(pods.substitutions)


def test_deleting_the_pod_removes_its_empty_dirs_and_keeps_its_claims(pods, monkeypatch):
    """`kubectl delete pod` removes an emptyDir and keeps a claim's volume: down() asks podman for exactly that.
    (The podman calls are recorded here; tests/lab2/test_pods.py plays real pods.)"""
    import json
    import subprocess
    calls = []

    claim, empty = f"{pods.run_id}-mlflow-data", f"{pods.run_id}-tmp"

    def fake_podman(*args, **kw):
        calls.append(args)
        # what `podman container inspect` says the mlflow container mounts: both volumes
        mounts = [{"Type": "volume", "Name": empty}, {"Type": "volume", "Name": claim}]
        out = json.dumps(mounts) if args[:2] == ("container", "inspect") else ""
        return subprocess.CompletedProcess(args, 1 if args[:2] == ("volume", "exists") else 0, out, "")
    monkeypatch.setattr(podman_pods, "podman", fake_podman)
    pods.progress = lambda _msg: None
    _name, docs = pods.pod_manifest(_with_claim(DOCS), pm.PodPlan("mlflow"))
    pods.play("mlflow", docs)
    played = len(calls)
    pods.down("mlflow")
    removed = [a[-1] for a in calls[played:] if a[:2] == ("volume", "rm")]
    assert removed == [empty], calls[played:]
    assert ("volume", "create", claim) in calls[:played]  # made before the first play, so a second play finds it
