"""Waits and pod queries through the `kubernetes` Python client (no parsing of kubectl output).

The waits are one polling loop, ``wait_until``, that raises with the last observed state, so a
timeout says *what* was seen ("pod mlflow-abc: Pending, init container dbchecker waiting") rather
than just "timed out".
"""

from __future__ import annotations

import time
from typing import Callable, TypeVar

from mlflow_labs.harness.errors import StartupError

T = TypeVar("T")


def wait_until(probe: Callable[[], tuple[T | None, str]], *, timeout: float, what: str, interval: float = 1.0,
               progress: Callable[[str], None] | None = None, clock: Callable[[], float] = time.monotonic,
               sleep: Callable[[float], None] = time.sleep) -> T:
    """Call ``probe`` until it returns a value that is not None; it also returns a description of
    the current state, used in progress lines and the timeout error."""
    start = clock()
    next_note = start + 15
    state = "not checked yet"
    while True:
        try:
            value, state = probe()
        except Exception as exc:  # an API hiccup while the cluster settles is a state, not a failure
            value, state = None, f"{type(exc).__name__}: {str(exc)[:200]}"
        if value is not None:
            return value
        now = clock()
        if now - start >= timeout:
            raise StartupError(f"Timed out after {timeout:.0f} s waiting for {what}. Last state: {state}")
        if progress and now >= next_note:
            progress(f"waiting for {what} ({now - start:.0f} s): {state}")
            next_note = now + 15
        sleep(interval)


def core_api(api_client):
    from kubernetes import client
    return client.CoreV1Api(api_client)


def release_selector(release: str, chart: str = "mlflow") -> str:
    """The label selector the community-charts mlflow chart puts on its pods."""
    return f"app.kubernetes.io/name={chart},app.kubernetes.io/instance={release}"


def pod_ready(pod) -> bool:
    if pod.metadata.deletion_timestamp is not None or pod.status is None:
        return False
    return any(c.type == "Ready" and c.status == "True" for c in (pod.status.conditions or []))


def describe_pod(pod) -> str:
    """One line: name, phase, and why a container is not running yet."""
    status = pod.status
    parts = [f"{pod.metadata.name}: {status.phase if status else '?'}"]
    if pod.metadata.deletion_timestamp is not None:
        parts.append("terminating")
    for kind, statuses in (("init container", status.init_container_statuses if status else None),
                           ("container", status.container_statuses if status else None)):
        for cs in statuses or []:
            st = cs.state
            if st and st.waiting:
                parts.append(f"{kind} {cs.name} waiting ({st.waiting.reason})")
            elif st and st.terminated and st.terminated.exit_code != 0:
                parts.append(f"{kind} {cs.name} exited {st.terminated.exit_code} ({st.terminated.reason})")
    return ", ".join(parts)


def list_pods(api, namespace: str, selector: str) -> list:
    return list(api.list_namespaced_pod(namespace, label_selector=selector).items)


def wait_pods_ready(api, namespace: str, selector: str, *, timeout: float = 600, count: int = 1,
                    exclude_uids: set[str] = frozenset(), progress=None) -> list:
    """Wait until ``count`` pods matching ``selector`` (and not in ``exclude_uids``) are Ready."""
    def probe():
        pods = [p for p in list_pods(api, namespace, selector) if p.metadata.uid not in exclude_uids]
        ready = [p for p in pods if pod_ready(p)]
        state = "; ".join(describe_pod(p) for p in pods) or f"no pods match {selector} in {namespace}"
        return (ready if len(ready) >= count else None), state
    return wait_until(probe, timeout=timeout, what=f"{count} ready pod(s) {selector} in namespace {namespace}",
                      interval=2, progress=progress)


def wait_pod_gone(api, namespace: str, name: str, *, timeout: float = 300, progress=None) -> bool:
    from kubernetes.client.exceptions import ApiException

    def probe():
        try:
            pod = api.read_namespaced_pod(name, namespace)
        except ApiException as exc:
            if exc.status == 404:
                return True, "gone"
            raise
        return None, describe_pod(pod)
    return wait_until(probe, timeout=timeout, what=f"pod {name} to be gone", interval=1, progress=progress)


def delete_pod_and_wait_replacement(api, namespace: str, selector: str, *, timeout: float = 600, progress=None):
    """Delete the selector's pod (as `kubectl delete pod` does) and wait for a NEW Ready pod."""
    old = wait_pods_ready(api, namespace, selector, timeout=60)
    old_uids = {p.metadata.uid for p in old}
    for p in old:
        api.delete_namespaced_pod(p.metadata.name, namespace)
    return wait_pods_ready(api, namespace, selector, timeout=timeout, exclude_uids=old_uids, progress=progress)


def init_container_names(pod) -> list[str]:
    return [c.name for c in (pod.spec.init_containers or [])]
