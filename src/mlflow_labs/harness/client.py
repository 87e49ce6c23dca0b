"""A small MLflow REST client on `requests`: only what the checks need.

``bounded(deadline, max_bytes)`` caps every request made in the current thread (whichever client the
checks build): grading a class runs each learner's checks in a thread under it, so a silent, slow or
huge-answering server fails its own row instead of holding the class. Outside it, each request still has
its own bounds (``request_bounds``): a server that drips its answer or sends one without end stops
`mlflow-labs check` with a clear error instead of holding it forever.

Redirects are never followed: a tracking API answers for itself, and a redirect would let one learner's
server send the grader to a classmate's (or send a credential to another host). A 3xx is the server's
error, naming where it pointed, unless the caller asked for it (``redirect_ok``: lab 7's /login, whose
redirect to the identity provider is the finding).
"""

from __future__ import annotations

import io
import threading
import time
from contextlib import contextmanager
from typing import Any

import requests
import urllib3

from mlflow_labs import settings
from mlflow_labs.errors import LabError

API = "/api/2.0/mlflow"


class TrackingError(LabError):
    pass


_bounds = threading.local()
CHUNK = 16 * 1024
MAX_ANSWER_BYTES = 128 * 1024 * 1024  # far above any tracking API answer or lab artifact; below what hurts memory
WHOLE_ANSWER_FACTOR = 4  # a whole answer may take this many times the time allowed to start it


def request_bounds(timeout: float) -> tuple[float, int]:
    """(deadline, max_bytes) for one request made outside ``bounded()``."""
    return time.monotonic() + WHOLE_ANSWER_FACTOR * timeout, MAX_ANSWER_BYTES


@contextmanager
def bounded(*, deadline: float | None = None, max_bytes: int | None = None):
    """Inside the block, this thread's requests stop at ``deadline`` (time.monotonic()) and read at most
    ``max_bytes`` of any answer (streamed, so a huge answer is never held in memory)."""
    old = getattr(_bounds, "value", None)
    _bounds.value = (deadline, max_bytes)
    try:
        yield
    finally:
        _bounds.value = old


def _read_bounded(r: requests.Response, url: str, deadline: float | None, max_bytes: int | None) -> None:
    """Read r's body under the bounds into r (so .text/.json work); raise TrackingError past either."""
    try:
        declared = int(r.headers.get("Content-Length", "0") or 0)
    except ValueError:
        declared = 0
    body, size = io.BytesIO(), 0  # one buffer (getvalue shares it): a large answer is held once, not twice
    try:
        if max_bytes is not None and declared > max_bytes:
            raise TrackingError(f"{url} announced a {declared}-byte answer, over the {max_bytes}-byte bound: "
                                f"not what an MLflow tracking API sends for this request.")
        while True:
            try:  # read1: at most one socket read per chunk, so a server dripping bytes meets the deadline too
                chunk = r.raw.read1(CHUNK, decode_content=True)
            except urllib3.exceptions.HTTPError as exc:
                raise TrackingError(f"{url} sent a truncated answer: it stopped part-way ({type(exc).__name__}): "
                                    f"a stalled or crashed server, or a proxy in between.") from None
            if not chunk:
                break
            size += len(chunk)
            if max_bytes is not None and size > max_bytes:
                raise TrackingError(f"{url} answered more than {max_bytes} bytes, over the bound: "
                                    f"not what an MLflow tracking API sends for this request.")
            if deadline is not None and time.monotonic() > deadline:
                raise TrackingError(f"{url} was still sending its answer ({size} bytes) when the time bound ran out: "
                                    f"the server is too slow or drips its answer.")
            body.write(chunk)
    except BaseException:
        r.close()
        raise
    r._content = body.getvalue()  # what requests itself does once it has read a body
    r._content_consumed = True
    r.raw.release_conn()  # read to the end: the connection goes back to the session's pool for the next request


def redirected(url: str, r: requests.Response) -> str:
    """The paragraph for a redirect that was not followed, naming where it pointed."""
    where = r.headers.get("location", "")
    target = requests.compat.urljoin(url, where)
    loop = " (itself: a redirect loop)" if target.split("?")[0] == url.split("?")[0] else ""
    return (f"{url} answered HTTP {r.status_code}, a redirect to {target[:200]}{loop}, which was not followed: a "
            f"tracking server answers its API itself. Give the URI of the MLflow server itself (not a proxy, a "
            f"login page or another server), or fix what redirects.")


class TrackingClient:
    def __init__(self, uri: str, timeout: float | None = None):
        self.uri = uri.rstrip("/")
        # generous by default (30 s): a server on a loaded machine is slow, not gone
        self.timeout = timeout if timeout is not None else settings.current().http_timeout
        self.session = requests.Session()

    # -- plumbing -----------------------------------------------------------------------------
    def _request(self, method: str, path: str, *, redirect_ok: bool = False, **kw) -> requests.Response:
        url = self.uri + path
        deadline, max_bytes = getattr(_bounds, "value", None) or request_bounds(self.timeout)
        timeout = self.timeout
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TrackingError(f"not asked: the time bound for this server ran out before {path} "
                                    f"(an earlier answer was slow or never came)")
            timeout = min(timeout, left)
        try:
            r = self.session.request(method, url, timeout=timeout, stream=True, allow_redirects=False, **kw)
            if r.is_redirect and not redirect_ok:
                r.close()  # its body unread: a redirect's answer is where it points, nothing more
                raise TrackingError(redirected(url, r))
            _read_bounded(r, url, deadline, max_bytes)
            return r
        except requests.ReadTimeout:
            raise TrackingError(
                f"The MLflow server at {self.uri} accepted the connection but did not answer {path} within "
                f"{timeout:.0f} s: it is overloaded or stuck; look at its log, or retry."
            ) from None
        except requests.Timeout:
            raise TrackingError(
                f"The server at {self.uri} did not answer {path} within {timeout:.0f} s. "
                f"Is it overloaded or hung? Check its log, or pass the right --tracking-uri."
            ) from None
        except (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError):
            raise TrackingError(
                f"The server at {self.uri} answered {path} with a truncated or broken body: "
                f"a proxy in between, or a server that crashed mid-answer. Check its log."
            ) from None
        except requests.RequestException as exc:
            raise TrackingError(
                f"Cannot reach the MLflow server at {self.uri} ({type(exc).__name__}). "
                f"Start it (the lab's `mlflow server`/`mlflow ui` step) or pass the right --tracking-uri."
            ) from None

    def _api(self, method: str, endpoint: str, **kw) -> dict[str, Any]:
        r = self._request(method, API + endpoint, **kw)
        if r.status_code == 404 and "RESOURCE_DOES_NOT_EXIST" in r.text:
            return {}
        if r.status_code != 200:
            raise TrackingError(f"{method} {self.uri}{API}{endpoint} answered HTTP {r.status_code}: {r.text[:300]}")
        try:
            return r.json()
        except ValueError:
            raise TrackingError(f"{self.uri} answered {endpoint} with something that is not JSON: is it an MLflow server?") from None

    # -- server ---------------------------------------------------------------------------------
    def health(self) -> str:
        r = self._request("GET", "/health")
        return r.text.strip() if r.status_code == 200 else f"HTTP {r.status_code}"

    def version(self) -> str | None:
        r = self._request("GET", "/version")
        return r.text.strip() if r.status_code == 200 else None

    def ensure_mlflow(self) -> str:
        """Raise TrackingError unless the URI is a live MLflow server; return its version."""
        if self.health() != "OK":
            raise TrackingError(f"{self.uri} answered /health without 'OK': it is not an MLflow tracking server.")
        r = self._request("POST", API + "/experiments/search", json={"max_results": 1})
        if r.status_code != 200 or "experiments" not in r.text and r.text.strip() != "{}":
            raise TrackingError(
                f"{self.uri} is up but its tracking API answered HTTP {r.status_code}: {r.text[:200]}. "
                f"Is it an MLflow server (and, with auth, are MLFLOW_TRACKING_USERNAME/PASSWORD set)?"
            )
        return self.version() or "unknown"

    # -- experiments and runs ----------------------------------------------------------------
    def experiment_by_name(self, name: str) -> dict | None:
        data = self._api("GET", "/experiments/get-by-name", params={"experiment_name": name})
        return data.get("experiment")

    def search_experiments(self, view_type: str = "ACTIVE_ONLY", max_results: int = 100) -> list[dict]:
        """view_type ALL includes deleted experiments."""
        return self._api("POST", "/experiments/search",
                         json={"max_results": max_results, "view_type": view_type}).get("experiments", [])

    def search_runs(self, experiment_ids: list[str], filter: str = "", order_by: list[str] | None = None,
                    max_results: int = 1000, run_view_type: str = "ACTIVE_ONLY") -> list[dict]:
        runs, token = [], None
        while True:
            body = {"experiment_ids": experiment_ids, "filter": filter, "max_results": max_results,
                    "order_by": order_by or [], "run_view_type": run_view_type}
            if token:
                body["page_token"] = token
            data = self._api("POST", "/runs/search", json=body)
            runs += data.get("runs", [])
            token = data.get("next_page_token")
            if not token or len(runs) >= max_results:
                return runs

    def get_run(self, run_id: str) -> dict | None:
        return self._api("GET", "/runs/get", params={"run_id": run_id}).get("run")

    def metric_history(self, run_id: str, key: str) -> list[dict]:
        return self._api("GET", "/metrics/get-history", params={"run_id": run_id, "metric_key": key}).get("metrics", [])

    def list_artifacts(self, run_id: str, path: str | None = None) -> list[dict]:
        params = {"run_id": run_id}
        if path:
            params["path"] = path
        return self._api("GET", "/artifacts/list", params=params).get("files", [])

    def download_artifact(self, run_id: str, path: str) -> bytes:
        """Through the server's artifact proxy (mlflow-artifacts), as the UI downloads it."""
        r = self._request("GET", "/get-artifact", params={"run_uuid": run_id, "path": path})
        if r.status_code != 200:
            raise TrackingError(f"Downloading artifact {path} of run {run_id} answered HTTP {r.status_code}: {r.text[:200]}")
        return r.content


# -- helpers over run JSON -------------------------------------------------------------------
def params(run: dict) -> dict[str, str]:
    return {p["key"]: p["value"] for p in run.get("data", {}).get("params", [])}


def metrics(run: dict) -> dict[str, float]:
    return {m["key"]: m["value"] for m in run.get("data", {}).get("metrics", [])}


def tags(run: dict) -> dict[str, str]:
    return {t["key"]: t["value"] for t in run.get("data", {}).get("tags", [])}


def run_name(run: dict) -> str:
    return run["info"].get("run_name") or tags(run).get("mlflow.runName", "")
