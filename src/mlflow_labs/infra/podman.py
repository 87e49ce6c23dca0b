"""Run a Helm-rendered chart's pods with `podman kube play`: Kubernetes pods without a Kubernetes API.

`PodmanPods` is a context manager usable without pytest. It takes the manifests `helm template`
rendered, turns each Deployment into one Pod (no controller: "delete the pod" is `kube down` +
`kube play` of the same file), and plays it. The changes it must make to the rendered manifests
are recorded in ``substitutions`` (shown in the report, like the port substitution):

- hostPort on 127.0.0.1 for one container port: the stand-in for `kubectl port-forward`;
- Secret references resolved into the pod's env (podman 4.3 rejects the chart's Secrets:
  "secret ... is not valid JSON"); the manifest file holding them is written mode 600;
- image names: the offline images this machine has, instead of registry images it cannot pull;
- a `hostAliases` entry for each Service name a pod needs (no cluster DNS without Kubernetes);
- ConfigMap script volumes run with `sh` (4.3 ignores a ConfigMap volume's defaultMode).

Every pod carries the label ``org.mlflow-labs.pods=<run id>``; `close()` removes every pod and
volume of the run, also after a failure, and `leftovers()` lists what would remain.
"""

from __future__ import annotations

import base64
import copy
import json
import shutil
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import requests
import yaml

from mlflow_labs.errors import LabError, PrerequisiteMissing, StartupError, tail
from mlflow_labs.harness.net import wait_until
from mlflow_labs.harness.tools import ToolError, require_tool, run_tool

LABEL = "org.mlflow-labs.pods"
INSTALL_PODMAN = "sudo apt-get install podman catatonit (Debian/Ubuntu; see https://podman.io/docs/installation)"
# the dbchecker init container's image (busybox:1.38.0 in the chart) built without a registry:
# Debian's dynamic busybox as /bin/sh (ash accepts the script's `[[` and `function`) plus
# netcat-openbsd (busybox-static's own nc applet lacks -z)
DBCHECKER_IMAGE = "mlflow-labs/dbchecker:1"
DBCHECKER_DOCKERFILE = """\
ARG BASE
FROM ${BASE}
RUN apt-get update -qq && apt-get install -y -qq busybox netcat-openbsd >/dev/null \\
 && ln -sf /bin/busybox /bin/sh && rm -rf /var/lib/apt/lists/*
"""


def require_podman() -> str:
    """podman's path, once it has shown it can run a container here (not only that it is installed:
    on hybrid cgroups its default runtime refuses every container; the message names the fix)."""
    path = require_tool("podman", why="the pods path runs the chart's pods with `podman kube play`",
                        fix=f"{INSTALL_PODMAN} (on this project's CI machines: scripts/provision-k8s-tools)")
    from mlflow_labs.infra.container_runtime import podman_status
    runs, what, fix = podman_status()
    if runs is None:
        raise PrerequisiteMissing(what, fix)
    return path


def podman(*args: str, timeout: float = 300, input: str | None = None, check: bool = True):
    return run_tool(["podman", *args], timeout=timeout, input=input, check=check)


# -- images -------------------------------------------------------------------------------------------
def local_name(image: str) -> str:
    """How podman names an image loaded from Docker's `mlflow-labs/x:t`: localhost/mlflow-labs/x:t."""
    first = image.split("/", 1)[0]
    return image if ("." in first or ":" in first or first == "localhost") and "/" in image else f"localhost/{image}"


def ensure_image(image: str, progress: Callable[[str], None] = print) -> str:
    """The image in podman's store, copied from the local Docker engine once (`docker save | podman load`).
    Returns the name to put in a manifest."""
    name = local_name(image)
    if podman("image", "exists", name, check=False).returncode == 0:
        return name
    if not shutil.which("docker") or run_tool(["docker", "image", "inspect", image], check=False, timeout=60).returncode:
        raise PrerequisiteMissing(f"The image {image} is neither in podman's store nor in the local Docker engine.",
                                  "build the offline images with scripts/build-offline-images (or podman pull it online)")
    progress(f"loading {image} from Docker into podman (docker save | podman load, once)")
    t0 = time.monotonic()
    import subprocess
    save = subprocess.Popen(["docker", "save", image], stdout=subprocess.PIPE)
    load = subprocess.run(["podman", "load", "-q"], stdin=save.stdout, capture_output=True, text=True, timeout=900)
    save.stdout.close()
    if save.wait() != 0 or load.returncode != 0:
        raise LabError(f"`docker save {image} | podman load` failed: {tail(load.stderr, 8)}")
    progress(f"loaded {image} into podman in {time.monotonic() - t0:.0f} s")
    return name


def ensure_dbchecker_image(base: str, progress: Callable[[str], None] = print) -> str:
    """Build the dbchecker image with Docker from the offline Debian base (once), then load it into podman."""
    name = local_name(DBCHECKER_IMAGE)
    if podman("image", "exists", name, check=False).returncode == 0:
        return name
    if run_tool(["docker", "image", "inspect", DBCHECKER_IMAGE], check=False, timeout=60).returncode:
        progress(f"building {DBCHECKER_IMAGE} (busybox sh + netcat-openbsd) from {base}")
        run_tool(["docker", "build", "-q", "--build-arg", f"BASE={base}", "--label", "org.mlflow-labs.offline=1",
                  "-t", DBCHECKER_IMAGE, "-"], input=DBCHECKER_DOCKERFILE, timeout=600)
    return ensure_image(DBCHECKER_IMAGE, progress)


# -- manifest rewriting -----------------------------------------------------------------------------
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


@dataclass
class Pod:
    name: str
    manifest: Path
    containers: list[str]
    init_containers: list[str]
    volumes: set[str] = field(default_factory=set)   # every named volume its containers mounted (seen so far)
    empty_dirs: set[str] = field(default_factory=set)   # its emptyDir volumes: deleted with the pod
    claims: set[str] = field(default_factory=set)       # volumes standing in for its PersistentVolumeClaims: kept

    def container(self, name: str) -> str:
        """podman's name for a container of this pod."""
        return f"{self.name}-{name}"


class PodmanPods:
    def __init__(self, workdir: Path, *, prefix: str = "mlk", progress: Callable[[str], None] = print,
                 keep: bool = False):
        require_podman()
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.run_id = f"{prefix}-{uuid.uuid4().hex[:6]}"
        self.progress = progress
        self.keep = keep
        self.substitutions: dict[str, str] = {}   # description -> what it changed
        self._keys: set[str] = set()
        self.pods: dict[str, Pod] = {}

    # -- manifests ---------------------------------------------------------------------------------
    def substitute(self, key: str, description: str) -> None:
        """Record one change (the report lists the description, like the README runner's substitutions)."""
        if key not in self._keys:
            self._keys.add(key)
            self.substitutions[description] = key

    def pod_manifest(self, docs: list[dict], plan: PodPlan) -> tuple[str, list[dict]]:
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

    # -- running -----------------------------------------------------------------------------------
    def play(self, key: str, docs: list[dict], *, timeout: float = 300) -> Pod:
        """Write the pod's manifest (mode 600: it may hold resolved Secrets) and `podman kube play` it."""
        pod_doc = docs[-1]
        name = pod_doc["metadata"]["name"]
        manifest = self.workdir / f"{name}.yaml"
        manifest.touch(mode=0o600)
        manifest.write_text(yaml.safe_dump_all(docs, sort_keys=False))
        spec = pod_doc["spec"]
        pod = Pod(name, manifest, [c["name"] for c in spec["containers"]],
                  [c["name"] for c in spec.get("initContainers", [])],
                  empty_dirs={v["name"] for v in spec.get("volumes", []) if "emptyDir" in v},
                  claims={v["persistentVolumeClaim"]["claimName"] for v in spec.get("volumes", [])
                          if "persistentVolumeClaim" in v})
        for claim in sorted(pod.claims):  # made once, before the first play; a later play finds it
            if podman("volume", "exists", claim, check=False, timeout=60).returncode != 0:
                podman("volume", "create", claim, timeout=60)
        self.pods[key] = pod
        self.progress(f"podman kube play {manifest.name}")
        try:
            # kube play returns once the init containers finished and the containers started (or gives up)
            podman("kube", "play", str(manifest), timeout=timeout)
        except ToolError as exc:
            # e.g. an init container still running when podman gives up (~20 s, 4.3): not ready
            how = f"timed out after {timeout:.0f} s" if exc.returncode is None else f"exited {exc.returncode}"
            raise StartupError(f"`podman kube play` of pod {name} {how}: {tail(exc.stderr or exc.stdout, 5)}\n"
                               + self.describe(pod)) from None
        finally:
            pod.volumes |= set(self._volumes(pod))
        return pod

    def down(self, key: str) -> None:
        """`kubectl delete pod` on podman: the pod, its containers and its emptyDir volumes go; what Kubernetes
        keeps (a PersistentVolumeClaim's volume, a ConfigMap) stays until close()."""
        pod = self.pods.get(key)
        if pod is None:
            return
        pod.volumes |= set(self._volumes(pod))
        podman("kube", "down", str(pod.manifest), timeout=300, check=False)
        podman("pod", "rm", "-f", "--ignore", pod.name, timeout=120, check=False)
        for v in sorted(pod.empty_dirs - pod.claims):
            podman("volume", "rm", "-f", v, timeout=60, check=False)

    def _volumes(self, pod: Pod) -> list[str]:
        out = []
        for c in pod.init_containers + pod.containers:
            res = podman("container", "inspect", "--format", "{{json .Mounts}}", pod.container(c), check=False, timeout=60)
            if res.returncode == 0:
                out += [m["Name"] for m in json.loads(res.stdout.strip() or "[]") if m.get("Type") == "volume"]
        return sorted(set(out))

    def state(self, pod: Pod, container: str) -> dict:
        res = podman("container", "inspect", "--format", "{{json .State}}", pod.container(container), check=False, timeout=60)
        return json.loads(res.stdout) if res.returncode == 0 and res.stdout.strip() else {}

    def logs(self, pod: Pod, container: str, lines: int = 15) -> str:
        res = podman("logs", "--tail", str(lines), pod.container(container), check=False, timeout=60)
        return (res.stdout + res.stderr).strip() or "(no output)"

    def describe(self, pod: Pod) -> str:
        """Each container's state and the last lines of its log (what `kubectl describe` + logs would show)."""
        parts = []
        for c in pod.init_containers + pod.containers:
            st = self.state(pod, c)
            status = st.get("Status", "absent")
            if status == "created":
                status = "created, never started"
            elif status == "absent" and c in pod.init_containers:
                status = "absent: podman removes an init container once it has finished"
            if st.get("Status") in ("exited", "stopped"):
                status += f", exit code {st.get('ExitCode')}"
            if st.get("Error"):
                status += f", error: {st['Error']}"
            parts.append(f"container {c} ({'init, ' if c in pod.init_containers else ''}{status}); last log lines:\n"
                         f"{tail(self.logs(pod, c), 10)}")
        return "\n".join(parts)

    def wait_http(self, pod: Pod, url: str, container: str, timeout: float = 180) -> float:
        """Until ``url`` answers 200 (through the hostPort); else StartupError naming the container + its log."""
        t0 = time.monotonic()
        failed = (f"pod {pod.name}: container {container} did not answer {url} within {timeout:.0f} s.\n")

        def answers():
            st = self.state(pod, container)
            if st.get("Status") in ("exited", "stopped") or not st:  # it will not answer: say so now
                raise StartupError(failed + self.describe(pod))
            code = requests.get(url, timeout=3).status_code  # an exception is a state: not up yet
            return (time.monotonic() - t0 if code == 200 else None), f"HTTP {code}"
        return wait_until(answers, timeout=timeout, what=f"{url} in pod {pod.name}",
                          on_timeout=lambda _: failed + self.describe(pod))

    def pod_ip(self, pod: Pod) -> str:
        res = podman("container", "inspect", "--format", "{{json .NetworkSettings}}", pod.container(pod.containers[0]),
                     timeout=60)
        net = json.loads(res.stdout)
        ip = net.get("IPAddress") or next((n.get("IPAddress") for n in (net.get("Networks") or {}).values()
                                           if n.get("IPAddress")), "")
        if not ip:
            infra = podman("pod", "inspect", "--format", "{{.InfraContainerID}}", pod.name, timeout=60).stdout.strip()
            res = podman("container", "inspect", "--format", "{{json .NetworkSettings}}", infra, timeout=60)
            net = json.loads(res.stdout)
            ip = net.get("IPAddress") or next((n.get("IPAddress") for n in (net.get("Networks") or {}).values()
                                               if n.get("IPAddress")), "")
        if not ip:
            raise LabError(f"pod {pod.name} has no IP address on podman's network")
        return ip

    def leftovers(self) -> list[str]:
        """Pods and volumes of this run still present (by label / name prefix): empty after close()."""
        pods = podman("pod", "ps", "-q", "--filter", f"label={LABEL}={self.run_id}", timeout=60).stdout.split()
        ctrs = podman("ps", "-a", "--format", "{{.Names}}", timeout=60).stdout.split()
        present_vols = set(podman("volume", "ls", "-q", timeout=60).stdout.split())
        vols = {v for p in self.pods.values() for v in p.volumes if v in present_vols} | set(self._named_volumes())
        return ([f"pod {p}" for p in pods] + [f"container {c}" for c in ctrs if c.startswith(self.run_id)]
                + [f"volume {v}" for v in sorted(vols)])

    def close(self) -> None:
        if self.keep:
            return
        for key in list(self.pods):
            self.down(key)
        for pid in podman("pod", "ps", "-q", "--filter", f"label={LABEL}={self.run_id}", timeout=60, check=False).stdout.split():
            podman("pod", "rm", "-f", pid, timeout=120, check=False)
        for vol in self._named_volumes():
            podman("volume", "rm", "-f", vol, timeout=60, check=False)

    def _named_volumes(self) -> list[str]:
        """Volumes named for this run (emptyDirs, ConfigMaps, claims): every name starts with the run id."""
        names = podman("volume", "ls", "-q", timeout=60, check=False).stdout.split()
        return [n for n in names if n.startswith(f"{self.run_id}-")]

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
