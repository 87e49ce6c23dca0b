"""Lab 3 fixtures: which infra paths run, the one lab run per path that test_run_lab3.py and
test_persistence.py share, a SQLite server holding the README's run (the by-hand checks and the near-miss
states share it), and cleanup of everything the harness labelled.

--mlflow-labs-infra auto (the default; env MLFLOW_LABS_INFRA) collects BOTH paths. A learner's `tox -e lab3`
runs the lab once, on the path `mlflow-labs run lab3` takes (Docker when a daemon answers and the images are
present, else local processes): when Docker can run, the local path's tests carry the `harness` marker
(they prove the harness's stand-in for Docker), so CI, which selects everything, still runs both. Where
Docker cannot run, the docker path's tests skip with the reason and the fix, and the local path runs.
--mlflow-labs-infra local or docker runs that path only.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from mlflow_labs.harness.client import TrackingClient
from mlflow_labs.errors import LabError
from mlflow_labs.infra import docker_engine
from mlflow_labs.infra.mlflow_server import MlflowServer
from mlflow_labs.infra.postgres import local_leftovers
from mlflow_labs.harness.readme.parse import parse_blocks
from mlflow_labs.labs import get_lab
from mlflow_labs import settings
from mlflow_labs.lab3.scenario import Lab3Run, db_rows, resolve_infra

PATHS = ["local", "docker"]


def docker_unusable_reason() -> str | None:
    try:
        c = docker_engine.client(timeout=5)
    except LabError as exc:
        return str(exc)
    try:
        for image in (settings.postgres_image(), settings.mlflow_image()):
            if not docker_engine.image_present(image, c):
                return str(docker_engine.missing_image_error(image))
    finally:
        c.close()
    return None


@pytest.hookimpl(tryfirst=True)  # before pytest's own -m deselection reads the markers
def pytest_collection_modifyitems(config, items):
    """Under `auto`, when Docker can run here, the local path's lab runs are harness proofs (see above)."""
    here = Path(__file__).parent
    local = [i for i in items if i.path.is_relative_to(here)
             and getattr(getattr(i, "callspec", None), "params", {}).get("lab3_run") == "local"]
    if not local:
        return
    # the learner's path is, by definition, the one `mlflow-labs run lab3` resolves `auto` to
    infra = settings.current(infra=config.getoption("--mlflow-labs-infra")).infra  # validated by lab_settings, not here
    if infra == "auto" and resolve_infra("auto") == "docker":
        for item in local:
            item.add_marker(pytest.mark.harness)


@pytest.fixture(scope="session")
def require_path(infra_mode):
    """Call with 'docker' or 'local': skips (with why and the fix) when that path cannot run here."""
    def need(path: str) -> None:
        if infra_mode not in ("auto", path):
            pytest.skip(f"--mlflow-labs-infra {infra_mode} chosen, so the {path} path does not run")
        if path == "docker":
            reason = docker_unusable_reason()
            if reason:
                pytest.skip(reason)
    return need


@pytest.fixture(scope="session", autouse=True)
def nothing_left_behind():
    """At the end of the session, whatever order the lab 3 tests ran in (and on each parallel worker,
    which is its own session): nothing this session started is left, neither a local PostgreSQL
    (process or data dir) nor a labelled container or network. Then the safety net (testcontainers'
    Ryuk cannot be pulled here) removes what this session labelled, pass or fail, and this fails
    the session if anything had to be removed."""
    yield
    left = local_leftovers()
    if docker_engine.daemon_answers():
        left += docker_engine.leftovers(docker_engine.SESSION)
        docker_engine.cleanup(docker_engine.SESSION)
    assert not left, f"left behind by the lab 3 tests (harness session {docker_engine.SESSION}): {left}"


class EvidenceLab3Run(Lab3Run):
    """The Lab3Run `mlflow-labs run lab3` executes, unchanged, that also records what the persistence
    tests assert on, at the moment it holds: PostgreSQL's rows and the server's identity just before
    Step 5 destroys the server, the identity just after, and right after the checks that follow the
    recreate, the rows again and the run as the REST API serves it (the server is gone once
    `.execute()` returns). Only reads are added; the phases themselves are the lab's own."""

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.results: dict[str, list] = {}
        self.rows_before = self.rows_after = self.server_before = self.server_after = self.run_after = None

    def destroy_and_recreate(self):
        self.rows_before = db_rows(self.pg)
        self.server_before = server_identity(self)
        step = super().destroy_and_recreate()
        self.server_after = server_identity(self)
        return step

    def check(self, where: str, results: list) -> list:
        self.results[where] = results
        if where == AFTER_RECREATE:  # the server answers and the run ids are known here
            self.rows_after = db_rows(self.pg)
            self.run_after = TrackingClient(self.uri).get_run(self.run_ids[0]) if self.run_ids else None
        return super().check(where, results)


# the names Lab3Run.steps records its two check passes under
BEFORE_DESTROY, AFTER_RECREATE = "lab3/checks.py", "lab3/checks.py after recreate"


def server_identity(lab: Lab3Run) -> tuple:
    """The local server's pid, or the container's id: proves a fresh server answers after Step 5."""
    if lab.infra == "local":
        return tuple(p.pid for p in lab.docs.servers.values())
    c = docker_engine.client()
    try:
        return tuple(x.id for x in c.containers.list(filters={"label": f"{settings.LABEL}.session={docker_engine.SESSION}",
                                                               "name": "mlflow-server"}))
    finally:
        c.close()


@pytest.fixture(scope="session", params=PATHS)
def lab3_run(request, require_path, tmp_path_factory, progress):
    """ONE `mlflow-labs run lab3` per path for the session, through `.execute()` (setup, every README
    step, both check passes, teardown): test_run_lab3.py asserts on its report, test_persistence.py on
    the evidence it recorded. Nothing is left running when the tests read it, so no test can change
    what another one sees, and each one reads only what was recorded, in any order."""
    path = request.param
    require_path(path)
    run = EvidenceLab3Run(path, progress=progress, workdir=tmp_path_factory.mktemp(f"lab3-{path}"))
    run.execute()
    return run


def write_log_run(workdir):
    """The README's own log_run.py (its `file=log_run.py` block), into ``workdir``."""
    block = next(b for b in parse_blocks(get_lab("lab3").readme.read_text()) if b.directive.get("file") == "log_run.py")
    (workdir / "log_run.py").write_text(block.text)


@pytest.fixture(scope="session")
def server_with_the_run(tmp_path_factory, progress):
    """A real `mlflow server` (SQLite) holding the README's run, logged by the README's own log_run.py: the
    by-hand checks' server (test_check_by_hand.py), and the near-miss states', named apart from it."""
    work = tmp_path_factory.mktemp("lab3-by-hand")
    with MlflowServer(f"sqlite:///{work / 'mlflow.db'}", workdir=work, progress=progress) as server:
        write_log_run(work)
        p = subprocess.run([sys.executable, "log_run.py"], cwd=work, capture_output=True, text=True, timeout=300,
                           env={**os.environ, "MLFLOW_TRACKING_URI": server.uri})
        assert p.returncode == 0, p.stderr[-2000:]
        yield server
