"""What every lab's tests share (the product's pytest plugin keeps only options and thin fixtures).

- `empty_mlflow_server`: one real, empty MLflow server per session, for tests that only read from it.
- At the session's end, `labs/` must be byte for byte what it was at the start: README mutations and
  near-miss states work on copies, and nothing a test does may leave a trace in the course itself.
"""

from __future__ import annotations

import pytest

from tests import labs_unchanged


def pytest_configure(config):
    labs_unchanged.register(config)


@pytest.fixture(scope="session")
def _empty_mlflow_server_process(tmp_path_factory, progress):
    from mlflow_labs.infra.mlflow_server import MlflowServer
    work = tmp_path_factory.mktemp("empty-mlflow-server")
    with MlflowServer(f"sqlite:///{work / 'empty.db'}", workdir=work, progress=progress) as server:
        yield server


@pytest.fixture
def empty_mlflow_server(_empty_mlflow_server_process):
    """A real MLflow server (SQLite) holding nothing but MLflow's own Default experiment, started once
    per pytest process and shared by the tests that only READ from it (checks that must fail on
    nothing). A test that writes must start its own server. Each use first proves the server is still
    empty, so a test that wrote to it fails the next user instead of silently changing what it sees."""
    from mlflow_labs.harness.client import TrackingClient
    server = _empty_mlflow_server_process
    client = TrackingClient(server.uri, timeout=60)
    exps = client.search_experiments(view_type="ALL")  # deleted ones too
    runs = client.search_runs([e["experiment_id"] for e in exps] or ["0"], max_results=10, run_view_type="ALL")
    assert [e["name"] for e in exps] == ["Default"] and not runs, (
        f"the shared empty MLflow server at {server.uri} is no longer empty (experiments "
        f"{[e['name'] for e in exps]}, {len(runs)} run(s)): a test wrote to it; give that test its own server")
    return server
