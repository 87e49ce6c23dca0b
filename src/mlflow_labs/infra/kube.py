"""Waits and pod queries through the `kubernetes` Python client (no parsing of kubectl output).

The waits use the harness's one polling loop, ``harness.net.wait_until``, that raises with the last
observed state, so a timeout says *what* was seen ("pod mlflow-abc: Pending, init container
dbchecker waiting") rather than just "timed out".
"""

from __future__ import annotations

from mlflow_labs.harness.net import wait_until

__all__ = ["wait_until", "core_api", "release_selector", "pod_ready", "describe_pod", "list_pods",
           "wait_pods_ready", "init_container_names"]


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


def init_container_names(pod) -> list[str]:
    return [c.name for c in (pod.spec.init_containers or [])]
