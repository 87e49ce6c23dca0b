"""A Helm-rendered chart's manifests rewritten into Pods `podman kube play` accepts.

Each Deployment becomes one Pod (no controller: "delete the pod" is `kube down` + `kube play` of the
same file). Every change made to the rendered manifests is recorded in ``substitutions`` (shown in the
report, like the README runner's port substitution):

- hostPort on 127.0.0.1 for one container port: the stand-in for `kubectl port-forward`;
- Secret references resolved into the pod's env (podman 4.3 rejects the chart's Secrets:
  "secret ... is not valid JSON"); pods.py writes the manifest holding them mode 600;
- image names: the offline images this machine has, instead of registry images it cannot pull; any other
  short name qualified as Kubernetes reads it (docker.io/library/busybox:1.38.0: images.kubernetes_name);
- a `hostAliases` entry for each Service name a pod needs (no cluster DNS without Kubernetes);
- ConfigMap script volumes run with `sh` (4.3 ignores a ConfigMap volume's defaultMode).

Every pod carries the label ``org.mlflow-labs.pods=<run id>``, and every volume name starts with the
run id, so pods.py finds (and removes) all of a run's.
"""

from __future__ import annotations

import base64
import copy
from dataclasses import dataclass, field

from mlflow_labs.errors import LabError
from mlflow_labs.infra.podman.images import kubernetes_name

LABEL = "org.mlflow-labs.pods"


def _secret_data(secret: dict) -> dict[str, str]:
    data = {k: base64.b64decode(v).decode() for k, v in (secret.get("data") or {}).items()}
    data.update({k: str(v) for k, v in (secret.get("stringData") or {}).items()})
    return data


@dataclass
class PodPlan:
    """What to change in one Deployment's pod, beyond what every pod gets."""
    deployment: str
    host_port: tuple[str, str, int] | None = None   # (container, port name, host port on 127.0.0.1)
    images: dict[str, str] = field(default_factory=dict)        # rendered image -> local image
    host_aliases: dict[str, str] = field(default_factory=dict)  # hostname -> IP
    sh_scripts: bool = True                                     # run /script/*.sh with sh


class PodManifests:
    """The rewriting for one run (``run_id`` names its pods and volumes) and the changes it made."""

    def __init__(self, run_id: str):
        self.run_id = run_id
        self.substitutions: dict[str, str] = {}   # description -> what it changed
        self._keys: set[str] = set()

    def substitute(self, key: str, description: str) -> None:
        """Record one change (the report lists the description, like the README runner's substitutions)."""
        if key not in self._keys:
            self._keys.add(key)
            self.substitutions[description] = key

    def pod(self, docs: list[dict], plan: PodPlan) -> tuple[str, list[dict]]:
        """The rendered Deployment ``plan.deployment`` as one podman-playable Pod (+ the ConfigMaps it uses)."""
        deployments = [d for d in docs if d.get("kind") == "Deployment" and d["metadata"]["name"] == plan.deployment]
        if len(deployments) != 1:
            raise LabError(f"the rendered manifests have {len(deployments)} Deployment(s) named {plan.deployment}")
        dep = deployments[0]
        secrets = {d["metadata"]["name"]: _secret_data(d) for d in docs if d.get("kind") == "Secret"}
        configmaps = [copy.deepcopy(d) for d in docs if d.get("kind") == "ConfigMap"]
        spec = copy.deepcopy(dep["spec"]["template"]["spec"])
        name = f"{self.run_id}-{plan.deployment}"
        labels = {**dep["spec"]["template"]["metadata"].get("labels", {}), LABEL: self.run_id}
        self.substitute(f"Deployment {plan.deployment}",
                        f"Deployment {plan.deployment} -> Pod {name} played by podman (no controller: the README's "
                        f"`kubectl delete pod` is `podman kube down` + `podman kube play` of the same pod)")
        for c in [*spec.get("initContainers", []), *spec.get("containers", [])]:
            self._resolve_secrets(c, secrets)
            if c.get("image") in plan.images and plan.images[c["image"]] != c["image"]:
                new = plan.images[c["image"]]
                self.substitute(f"image {c['image']}", f"image {c['image']} -> {new} (the offline image; no registry here)")
                c["image"], c["imagePullPolicy"] = new, "Never"
            elif c.get("image") and kubernetes_name(c["image"]) != c["image"]:
                new = kubernetes_name(c["image"])
                self.substitute(f"image {c['image']}", f"image {c['image']} -> {new} (Kubernetes reads a short name as "
                                f"Docker Hub's; podman would ask registries.conf, or take a localhost/ image first)")
                c["image"] = new
            cmd = c.get("command") or []
            if plan.sh_scripts and len(cmd) == 1 and cmd[0].startswith("/script/") and cmd[0].endswith(".sh"):
                c["command"] = ["sh", cmd[0]]
                self.substitute(f"command {cmd[0]}", f"{c['name']}: command {cmd[0]} -> sh {cmd[0]} (podman 4.3 "
                                f"ignores the ConfigMap volume's defaultMode, so the script is not executable)")
        if plan.host_port:
            cname, pname, hport = plan.host_port
            container = next(c for c in spec["containers"] if c["name"] == cname)
            port = next(p for p in container.get("ports", []) if p.get("name") == pname)
            port.update(hostPort=hport, hostIP="127.0.0.1")
            self.substitute(f"hostPort {plan.deployment}",
                            f"port-forward -> hostPort 127.0.0.1:{hport} on {cname}:{port['containerPort']} "
                            f"(podman publishes the pod's port on loopback)")
        for c in [*spec.get("initContainers", []), *spec["containers"]]:
            # podman 4.3 publishes a containerPort without hostPort on 0.0.0.0 of the host (Kubernetes does
            # not): keep such ports out, so a database is not exposed to the network or collides with the host's
            unpublished = [p for p in c.get("ports", []) if "hostPort" not in p]
            if unpublished and not any(
                    isinstance(pr.get("httpGet", {}).get("port"), str) for pr in (c.get("livenessProbe", {}),
                                                                                  c.get("readinessProbe", {}))):
                c["ports"] = [p for p in c["ports"] if "hostPort" in p] or None
                if c["ports"] is None:
                    c.pop("ports")
                self.substitute(f"ports {c['name']}", f"{c['name']}: containerPort "
                                f"{', '.join(str(p['containerPort']) for p in unpublished)} left out (podman 4.3 would "
                                f"publish it on 0.0.0.0 of the host; pods reach it by the pod's IP)")
        for host, ip in plan.host_aliases.items():
            spec.setdefault("hostAliases", []).append({"ip": ip, "hostnames": [host]})
            self.substitute(f"hostAliases {host} {ip}", f"Service name {host} -> hostAliases {host}: {ip} in pod {name} "
                            f"(no cluster DNS without Kubernetes)")
        for vol in spec.get("volumes", []):
            if "emptyDir" in vol:
                # podman names an emptyDir's volume after it ("tmp"): unique names keep two runs apart
                old, vol["name"] = vol["name"], f"{self.run_id}-{vol['name']}"
                for c in [*spec.get("initContainers", []), *spec["containers"]]:
                    for m in c.get("volumeMounts", []):
                        if m["name"] == old:
                            m["name"] = vol["name"]
                self.substitute(f"emptyDir {old}", f"emptyDir {old} -> podman volume {vol['name']} (podman names the "
                                f"volume after the emptyDir; removed with the pod, like Kubernetes' emptyDir)")
            elif "persistentVolumeClaim" in vol:
                # a claim outlives the pod in Kubernetes: a podman named volume (unique per run) that down() keeps
                claim = vol["persistentVolumeClaim"]
                old = claim["claimName"]
                claim["claimName"] = f"{self.run_id}-{old}"
                self.substitute(f"claim {old}", f"PersistentVolumeClaim {old} -> podman volume {claim['claimName']} "
                                f"(kept when the pod is deleted, like the claim's volume; removed with the run)")
        cm_volumes = {v["name"] for v in spec.get("volumes", []) if "configMap" in v}
        for c in [*spec.get("initContainers", []), *spec.get("containers", [])]:
            for m in c.get("volumeMounts", []):
                sub = m.get("subPath")
                if m["name"] in cm_volumes and sub and m["mountPath"].endswith("/" + sub):
                    # podman 4.3 ignores subPath on a ConfigMap volume: the file's path would be an empty
                    # directory (and `sh` on it exits 0 silently). Mount the ConfigMap at the file's folder.
                    old_path = m["mountPath"]
                    m["mountPath"] = old_path[: -len(sub) - 1] or "/"
                    m.pop("subPath")
                    self.substitute(f"subPath {c['name']} {old_path}",
                                    f"{c['name']}: ConfigMap mount {old_path} (subPath {sub}) -> the ConfigMap at "
                                    f"{m['mountPath']} (podman 4.3 ignores subPath for ConfigMap volumes and would "
                                    f"leave an empty directory there)")
        for vol in spec.get("volumes", []):
            if "configMap" in vol:
                # podman makes a named volume for a ConfigMap volume, named after the ConfigMap: unique per run
                old = vol["configMap"]["name"]
                vol["configMap"]["name"] = f"{self.run_id}-{old}"
                for cm in configmaps:
                    if cm["metadata"]["name"] == old:
                        cm["metadata"]["name"] = vol["configMap"]["name"]
                self.substitute(f"configmap {old}", f"ConfigMap volume {old} -> {vol['configMap']['name']} (podman "
                                f"stores it as a named volume; unique per run, removed with the run)")
        if spec.get("initContainers") and spec.get("restartPolicy", "Always") == "Always":
            # podman 4.3 applies the pod's restart policy to init containers too: under Always a finished
            # dbchecker is started again, and kube play then fails to remove the running "once" container
            spec["restartPolicy"] = "OnFailure"
            self.substitute(f"restartPolicy {plan.deployment}", f"pod {name}: restartPolicy Always -> OnFailure "
                            f"(podman 4.3 restarts an init container that finished under Always)")
        pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": labels}, "spec": spec}
        used = {v["configMap"]["name"] for v in spec.get("volumes", []) if "configMap" in v} | {
            ref["configMapRef"]["name"] for c in [*spec.get("initContainers", []), *spec["containers"]]
            for ref in c.get("envFrom", []) if "configMapRef" in ref}
        return name, [d for d in configmaps if d["metadata"]["name"] in used] + [pod]

    def _resolve_secrets(self, container: dict, secrets: dict[str, dict[str, str]]) -> None:
        env = container.setdefault("env", [])
        for ref in list(container.get("envFrom", [])):
            if "secretRef" in ref:
                sname = ref["secretRef"]["name"]
                container["envFrom"].remove(ref)
                if sname not in secrets:
                    if ref["secretRef"].get("optional"):
                        continue
                    raise LabError(f"container {container['name']} reads Secret {sname}, which the chart did not render")
                env += [{"name": k, "value": v} for k, v in secrets[sname].items()]
                self.substitute(f"secret {sname}", f"Secret {sname} -> resolved into the pod's env (podman 4.3 "
                                f"rejects the chart's Secrets: 'not valid JSON'); the manifest is written mode 600")
        for item in env:
            ref = (item.get("valueFrom") or {}).get("secretKeyRef")
            if ref:
                value = secrets.get(ref["name"], {}).get(ref["key"])
                if value is None and not ref.get("optional"):
                    raise LabError(f"container {container['name']} reads {ref['name']}/{ref['key']}, which is not rendered")
                item.pop("valueFrom")
                item["value"] = value or ""
                self.substitute(f"secret {ref['name']}", f"Secret {ref['name']} -> resolved into the pod's env "
                                f"(podman 4.3 rejects the chart's Secrets); the manifest is written mode 600")
        if not container["env"]:
            container.pop("env")
        if not container.get("envFrom"):
            container.pop("envFrom", None)
