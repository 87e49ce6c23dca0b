"""PodmanPods: the rewritten pods (manifest.py) played, deleted and described with podman.

A context manager usable without pytest: `close()` removes every pod and volume of the run, also
after a failure, and `leftovers()` lists what would remain.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import requests
import yaml

from mlflow_labs.errors import LabError, StartupError, tail
from mlflow_labs.harness.net import wait_until
from mlflow_labs.harness.process import BackgroundProcess
from mlflow_labs.harness.tools import ToolError
from mlflow_labs.infra.podman.command import podman, require_podman
from mlflow_labs.infra.podman.manifest import LABEL, PodManifests, PodPlan
from mlflow_labs.infra.service import Service


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


class PodmanPods(Service):
    """The pods of one run (``run_id``). A Service with nothing to start: pods come up one by one with
    play(); stop() (also close()) removes them all, unless ``keep``."""

    def __init__(self, workdir: Path, *, prefix: str = "mlk", progress: Callable[[str], None] = print,
                 keep: bool = False):
        require_podman()
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.run_id = f"{prefix}-{uuid.uuid4().hex[:6]}"
        self.progress = progress
        self.keep = keep
        self.manifests = PodManifests(self.run_id)
        self.pods: dict[str, Pod] = {}

    # -- manifests (manifest.py) -------------------------------------------------------------------
    @property
    def substitutions(self) -> dict[str, str]:
        """Every change made to the rendered manifests: description -> what it changed."""
        return self.manifests.substitutions

    def pod_manifest(self, docs: list[dict], plan: PodPlan) -> tuple[str, list[dict]]:
        """The rendered Deployment ``plan.deployment`` as one podman-playable Pod (+ the ConfigMaps it uses)."""
        return self.manifests.pod(docs, plan)

    # -- running -----------------------------------------------------------------------------------
    def _register(self, key: str, docs: list[dict]) -> Pod:
        """Write the pod's manifest (mode 600: it may hold resolved Secrets), make its claims' volumes, and
        count it as this run's (so close() removes it whatever happens next)."""
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
        return pod

    def play(self, key: str, docs: list[dict], *, timeout: float = 300) -> Pod:
        """`podman kube play` of the pod: returns once its containers started (or raises StartupError)."""
        pod = self._register(key, docs)
        name, manifest = pod.name, pod.manifest
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

    def play_in_background(self, key: str, docs: list[dict]) -> tuple[Pod, BackgroundProcess]:
        """`podman kube play` left running, for watching a pod come up (lab 2's init-container gate). While an
        init container waits, kube play waits with it, and it even outlives a `kube down` of the pod: the
        caller stops the returned process (the pod's containers, under conmon, stay) and then down()s it."""
        pod = self._register(key, docs)
        self.progress(f"podman kube play {pod.manifest.name} (in the background)")
        proc = BackgroundProcess(["podman", "kube", "play", str(pod.manifest)],
                                 log_path=self.workdir / f"{pod.name}.kube-play.log")
        proc.start()
        return pod, proc

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

    def _start(self) -> None:
        pass  # podman was found runnable when the run was made; each pod starts with play()

    def stop(self) -> None:
        if self.keep:
            return
        for key in list(self.pods):
            self.down(key)
        for pid in podman("pod", "ps", "-q", "--filter", f"label={LABEL}={self.run_id}", timeout=60, check=False).stdout.split():
            podman("pod", "rm", "-f", pid, timeout=120, check=False)
        for vol in self._named_volumes():
            podman("volume", "rm", "-f", vol, timeout=60, check=False)

    close = stop

    def _named_volumes(self) -> list[str]:
        """Volumes named for this run (emptyDirs, ConfigMaps, claims): every name starts with the run id."""
        names = podman("volume", "ls", "-q", timeout=60, check=False).stdout.split()
        return [n for n in names if n.startswith(f"{self.run_id}-")]
