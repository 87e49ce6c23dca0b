"""Why values-lab2.yaml moves SQLite from `:memory:` to a file in the pod's /tmp (no cluster needed).

The chart's basic install starts `mlflow server --backend-store-uri=sqlite:///:memory:` (chart value
backendStore.defaultSqlitePath, ERRATA 4). In MLflow each pooled connection to `:memory:` is a new,
empty database, so even ONE worker process (the chart runs MLflow's default of 4, each with its own
memory) does not keep what it was told: requests fail with "no such table: experiments" or see
different data. Measured here with MLflow 3.17.2: from 2 of 8 up to 12 of 12 creates answered HTTP 503. A lab built
on it would fail at random, not only when the pod is deleted.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from mlflow_labs.infra.mlflow_server import MlflowServer

pytestmark = pytest.mark.lab2

API = "/api/2.0/mlflow"
N = 8


@pytest.fixture(scope="module")
def memory_server(tmp_path_factory, progress):
    with MlflowServer("sqlite:///:memory:", workers=1, workdir=tmp_path_factory.mktemp("memory"),
                      progress=progress) as server:
        yield server


def _fresh(method, url, **kw):
    # a new TCP connection per request, as separate clients (and kubectl port-forward streams) make
    return requests.request(method, url, headers={"Connection": "close"}, timeout=120, **kw)  # a loaded machine is slow


def _together(calls):
    # at once, as several learners or a UI's parallel requests arrive: the server's thread pool serves
    # them on different threads, and SQLAlchemy gives `:memory:` one connection (one database) per thread.
    # One after another on a quiet machine they may all land on one thread and look like one database.
    with ThreadPoolExecutor(max_workers=N) as pool:
        return list(pool.map(lambda call: call(), calls))


ROUNDS = 5  # a loaded machine may serve one burst on one thread; any round that shows two databases decides


def _round(server, r: int, made: list[str]) -> list[str]:
    """One burst of creates, then one of searches: what betrays more than one database (empty: looked like one)."""
    signs = []
    creates = _together([lambda i=i: (i, _fresh("POST", server.uri + API + "/experiments/create",
                                                  json={"name": f"exp-{r}-{i}"})) for i in range(N)])
    for i, resp in creates:
        if resp.status_code == 200:
            made.append(f"exp-{r}-{i}")
        else:
            signs.append(f"exp-{r}-{i}: HTTP {resp.status_code} {resp.text[:120]}")
    views = set()
    for resp in _together([lambda: _fresh("POST", server.uri + API + "/experiments/search",
                                          json={"max_results": 1000}) for _ in range(N)]):
        views.add(tuple(sorted(e["name"] for e in resp.json().get("experiments", []))) if resp.status_code == 200
                  else (f"HTTP {resp.status_code}",))
    if len(views) > 1:
        signs.append(f"{len(views)} different listings of the same server")
    elif set(next(iter(views))) != {"Default", *made}:
        signs.append(f"the listing lacks experiments created: {sorted({'Default', *made} - set(next(iter(views))))[:5]}")
    return signs


def test_in_memory_backend_is_not_one_database(memory_server):
    made: list[str] = []
    for r in range(ROUNDS):
        # what a learner would see: failures like "no such table: experiments", or differing listings
        if _round(memory_server, r, made):
            return
    pytest.fail(f"sqlite:///:memory: behaved as one database in {ROUNDS} bursts of {N} creates and {N} searches; "
                "values-lab2.yaml's reason is gone")
