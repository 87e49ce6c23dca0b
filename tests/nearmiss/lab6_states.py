"""Lab 6's near-miss states: the README's basic-auth server (default_permission NO_PERMISSIONS), the
experiment, a reader granted READ and a writer granted EDIT, the notes' run; one thing wrong at a time.
Each state has its own users (reader-N, writer-N), handed to the checks as the README's variables."""

from __future__ import annotations

import itertools
import secrets
from pathlib import Path

import requests

from mlflow_labs.lab6 import auth, checks
from tests.nearmiss import NearMiss
from tests.nearmiss import notes_run

HEALTH = "server answers /health"
ANON = "a stranger (no credentials) gets 401"
READS = f"the reader reads experiment {checks.EXPERIMENT} and run {checks.RUN_NAME}"
LOG = "the reader gets 403 on log-metric"
CREATE = "the reader gets 403 on create-run"
DELETE = "the reader gets 403 on delete-experiment"
WRITER = "the writer may log to the notes' run"
ALL = [HEALTH, ANON, READS, LOG, CREATE, DELETE, WRITER]
AUTH_INI = """[mlflow]
default_permission = NO_PERMISSIONS
database_uri = sqlite:///{db}
admin_username = admin
authorization_function = mlflow.server.auth:authenticate_request_basic_auth
auth_cache_ttl_seconds = 60
"""
_users = itertools.count(1)


def server_env(workdir: Path) -> dict:
    """What serve.sh exports: the auth config and the secrets (generated, as step 1 does)."""
    ini = workdir / "auth.ini"
    ini.write_text(AUTH_INI.format(db=workdir / "basic_auth.db"))
    return {"MLFLOW_AUTH_CONFIG_PATH": str(ini), "MLFLOW_AUTH_ADMIN_PASSWORD": secrets.token_urlsafe(18),
            "MLFLOW_FLASK_SERVER_SECRET_KEY": secrets.token_hex(16)}


def _admin(world, method: str, path: str, body: dict) -> None:
    r = requests.request(method, world.uri + path, json=body, auth=("admin", world.extra["admin_password"]),
                         timeout=60)
    assert r.status_code == 200, f"{path}: HTTP {r.status_code} {r.text[:200]}"


def state(*, reader: str | None = "READ", writer: str = "EDIT", plain: bool = False, health: bool = True,
          run: dict | None = None):
    """A builder: step 3's users with these grants on the experiment (None: no grant), step 4's run (``run``:
    notes_run.log's changes to it). ``plain``: the same, on a server started without --app-name basic-auth
    (no users exist there)."""
    def build(world) -> dict:
        n = next(_users)
        creds = {role: (f"{role}-{n}", secrets.token_urlsafe(12)) for role in ("reader", "writer")}
        env = {auth.READER_ENV[0]: creds["reader"][0], auth.READER_ENV[1]: creds["reader"][1],
               auth.WRITER_ENV[0]: creds["writer"][0], auth.WRITER_ENV[1]: creds["writer"][1]}
        if plain:
            other = world.extra["plain"]
            other.clear()
            notes_run.log(other, experiment=checks.EXPERIMENT)
            return {"uri": other.uri, "env": env}
        exp_id = world.experiment(checks.EXPERIMENT)
        for role, grant in (("reader", reader), ("writer", writer)):
            name, password = creds[role]
            _admin(world, "POST", "/api/2.0/mlflow/users/create", {"username": name, "password": password})
            if grant:
                _admin(world, "POST", "/api/3.0/mlflow/users/permissions/grant",
                       {"username": name, "resource_type": "experiment", "resource_id": exp_id, "permission": grant})
        notes_run.log(world, experiment=checks.EXPERIMENT, **(run or {}))
        return {"env": env, **({} if health else {"uri": world.extra["no_health"]})}
    return build


correct = state()

NEAR_MISSES = {c.check: c for c in [
    NearMiss(HEALTH, state(health=False), "the port answers, but not MLflow: /health is a 404",
             frozenset(ALL) - {HEALTH}),
    NearMiss(ANON, state(plain=True), "the server was started without --app-name basic-auth",
             frozenset(ALL) - {HEALTH, ANON}),
    NearMiss(READS, state(reader=None), "READ was never granted to the reader",
             frozenset({LOG, CREATE, DELETE, WRITER})),
    # EDIT on the experiment is what both log-metric and create-run ask for: no grant allows one alone
    NearMiss(LOG, state(reader="EDIT"), "the reader was granted EDIT (log-metric is allowed)", frozenset({CREATE})),
    NearMiss(CREATE, state(reader="EDIT"), "the reader was granted EDIT (create-run is allowed)", frozenset({LOG})),
    NearMiss(DELETE, state(reader="MANAGE"), "the reader was granted MANAGE (delete is allowed)",
             frozenset({LOG, CREATE})),
    NearMiss(WRITER, state(writer="READ"), "the writer was granted READ, not EDIT"),
]}

# The README's outcome told another way: "The writer logs the notes' run" (step 4), and it is not the notes' run
EXTRA = [
    NearMiss(READS, state(run={"alpha": 0.6}), "the writer logged train.py with alpha 0.6: Run_v1 is not the notes' run",
             frozenset({LOG, CREATE, DELETE, WRITER})),
]
