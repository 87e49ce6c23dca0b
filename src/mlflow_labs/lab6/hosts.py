"""MLflow 3's Host-header check (DNS-rebinding protection), as a client that uses a DNS name meets it.

A client that reaches the server as `http://mlflow:5000` (compose service, Docker network alias) or
`http://mlflow.ns.svc.cluster.local` sends that name in the Host header and gets 403 "Invalid Host
header"; `/health` is exempt, so a health check stays green. Two ways to show it:

- `probe()`: from this machine, over loopback, with the Host header a named client would send;
- `container_probe()`: for real, from a second container on a Docker network calling the server
  container by its name; `probe_by_name()` starts the servers for it, all at once.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import requests

SEARCH = "/api/2.0/mlflow/experiments/search?max_results=1"


@dataclass
class HostProbe:
    host: str        # the Host header sent (None: the URI's own, 127.0.0.1:port)
    api: int         # HTTP status of the tracking API
    health: int      # HTTP status of /health
    body: str        # the API's answer, first line

    def line(self) -> str:
        return f"Host: {self.host}: API HTTP {self.api} ({self.body}), /health HTTP {self.health}"


def probe(uri: str, host: str | None, auth=None) -> HostProbe:
    """The API and /health, over loopback, with ``host`` in the Host header."""
    headers = {"Host": host} if host else {}
    api = requests.get(uri + SEARCH, headers=headers, auth=auth, timeout=15)
    health = requests.get(uri + "/health", headers=headers, timeout=15)
    return HostProbe(host or uri.split("//", 1)[1], api.status_code, health.status_code,
                     (api.text.strip().splitlines() or [""])[0][:60])


# A client in another container: the offline image has Python, not curl.
_CLIENT = ("import sys, urllib.request, urllib.error\n"
           "for path in sys.argv[2:]:\n"
           "    try:\n"
           "        code = urllib.request.urlopen(sys.argv[1] + path, timeout=20).status\n"
           "    except urllib.error.HTTPError as e:\n"
           "        code = e.code\n"
           "    print(path, code)\n")


def container_probe(image: str, network: str, base_url: str) -> dict[str, int]:
    """Run a throwaway client container on ``network`` calling ``base_url`` (a name only that network
    resolves); returns {path: HTTP status} for the API and /health."""
    from mlflow_labs.infra import docker_engine  # noqa: PLC0415

    c = docker_engine.client()
    try:
        out = c.containers.run(image, ["python", "-c", _CLIENT, base_url, SEARCH, "/health"], network=network,
                               remove=True, labels=docker_engine.labels(role="lab6-client"), stdout=True, stderr=True)
    finally:
        c.close()
    codes = {}
    for line in out.decode(errors="replace").splitlines():
        path, _, code = line.rpartition(" ")
        if code.isdigit():
            codes[path] = int(code)
    return codes


def probe_by_name(image: str, network: str, servers: list[tuple[str, list[str]]], progress=None) -> list[dict[str, int]]:
    """Each of ``servers`` (container name, extra `mlflow server` arguments) as an MLflow container on ``network``,
    all started at once (each start is a container's MLflow import and store creation: tens of seconds, so
    one after the other doubled the wait), then each called by name from a client container; the codes in
    the order given. Every container is removed, also when one failed to start."""
    from mlflow_labs.infra.mlflow_container import MlflowContainer  # noqa: PLC0415

    containers = [MlflowContainer("sqlite:////tmp/mlflow.db", image=image, network=network, name=name,
                                  extra_args=args, progress=progress) for name, args in servers]
    try:
        with ThreadPoolExecutor(max_workers=len(containers)) as pool:
            for started in [pool.submit(c.start) for c in containers]:
                started.result()  # the first failure, once every start has ended
            return list(pool.map(lambda c: container_probe(image, network, f"http://{c.name}:5000"), containers))
    finally:
        for c in containers:
            c.stop()


def allowed_hosts_arg(name: str, keep_local: bool = True) -> list[str]:
    """`--allowed-hosts` for clients using ``name``. It REPLACES MLflow's defaults (localhost, private
    IPs), so localhost is listed again when the host itself must still get in."""
    hosts = [name, f"{name}:*"]
    if keep_local:
        hosts += ["localhost", "localhost:*", "127.0.0.1", "127.0.0.1:*"]
    return ["--allowed-hosts", ",".join(hosts)]
