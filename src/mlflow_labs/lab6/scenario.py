"""Lab 6: the README (access control, a load run, the Host header) on its own server, then the measured
parts on servers the harness starts: load on SQLite (the notes' `mlflow ui`, 4 workers) and PostgreSQL,
the alembic race on a new store, PostgreSQL stopped under load, the server SIGKILLed under load, and the
Host header from a container calling the server by name.

Everything runs on 127.0.0.1 (containers on a labelled Docker network); every loop is bounded in count
and time. Figures go to the report (`reports/lab6.json` "figures", and a table in the terminal).
"""

from __future__ import annotations

import tempfile
from dataclasses import asdict
from pathlib import Path

from mlflow_labs import settings
from mlflow_labs.harness.cmdline_watch import CommandLineWatch
from mlflow_labs.harness.readme.runner import ReadmeRunner
from mlflow_labs.harness.readme.steps import port_substitution
from mlflow_labs.harness.labrun import LabRun
from mlflow_labs.harness.net import free_port
from mlflow_labs.harness.report import Row
from mlflow_labs.infra.mlflow_server import MlflowServer
from mlflow_labs.infra.postgres import LocalPostgres, connect
from mlflow_labs.harness import leaks
from mlflow_labs.lab6 import checks, faults, hosts, schema
from mlflow_labs.lab6.load import LoadResult, Writers, experiment_id, verify
from mlflow_labs.lab6 import SPEC
from mlflow_labs.settings import repo_root

SECRETS_FILE = "lab6-secrets.env"
DNS_NAME = "mlflow.internal"          # the name a compose/Kubernetes client would use
NOTES_WORKERS = 4                     # `mlflow ui`'s default, as the notes run it
PG_WORKERS = 2                        # 2 CPUs on CI: more workers only queue on them
# (label, writers, values per writer, metrics per call): the notes' figure first, then more writers, log-batch
# Small on purpose: CI here is 2 CPUs shared by several jobs; `python -m mlflow_labs.lab6.load` runs bigger ones.
LOADS = [("8 writers, log-metric", 8, 25, 1), ("32 writers, log-metric", 32, 5, 1),
         ("8 writers, log-batch", 8, 400, 200), ("32 writers, log-batch of 1000", 32, 2000, 1000)]
RACE_PROCESSES = 3                    # processes opening one new store at once
RACE_ROUNDS = 3                       # new stores per backend at most, until one race fails (bounded)


class Lab6Run(LabRun):
    lab = "lab6"
    spec = SPEC

    def __init__(self, *, port: int | None = None, **kw):
        super().__init__(**kw)
        self.port = port or free_port()
        self.uri = f"http://127.0.0.1:{self.port}"
        self.secrets: dict[str, str] = {}
        self.pg: LocalPostgres | None = None
        self.servers: list[MlflowServer] = []
        self.pg_server: MlflowServer | None = None
        self.figures: dict = {"load": [], "faults": [], "schema": [], "hosts": []}
        self.report.figures = self.figures
        self.table: list[dict] = []
        self.figures["table"] = self.table
        # every command line while the lab runs: the README's short-lived curl/mlflow calls exit too soon
        # for a scan afterwards to see them
        self.watch = CommandLineWatch()

    # -- README -------------------------------------------------------------------------------
    def setup(self) -> None:
        self.watch.start()
        self.docs = ReadmeRunner(self.readme, self.workdir,
                                 substitutions=[port_substitution(SPEC.port, self.port)],
                                 display_root=repo_root(), progress=self.progress)

    def run_readme(self) -> None:
        with self.phase("README"):
            self.docs.run()
            self.secrets = leaks.read_env_file(self.docs.cwd / SECRETS_FILE)

    def check_access(self, uri: str | None = None, env: dict | None = None) -> list:
        with self.phase("checks"):
            return self.check("lab6/checks.py", checks.run_checks(uri or self.uri, env=self.secrets if env is None else env))

    def row(self, step: str, where: str, ok: bool, detail: str) -> Row:
        r = Row(step, where, "passed" if ok else "failed", 0.0, detail)
        self.report.rows.append(r)
        return r

    def scan_command_lines(self, moment: str) -> list[str]:
        """No secret on any process's command line (what `ps` shows every user): those running now and
        every one sampled since setup (the README's own commands included)."""
        lines = {**self.watch.seen(), **{f"pid {p} command line": c for p, c in leaks.command_lines().items()}}
        hits = leaks.found_in(self.secrets, lines)
        self.row(f"no password on any command line ({moment})", "/proc/*/cmdline", not hits,
                 ", ".join(hits) or f"{len(self.secrets)} secrets, none in {len(lines)} distinct command lines "
                                    f"({self.watch.samples} samples since setup)")
        return hits

    # -- servers the harness starts -------------------------------------------------------------
    def start_server(self, backend: str, *, workers: int, extra_args: list[str] | None = None) -> MlflowServer:
        workdir = Path(tempfile.mkdtemp(prefix="lab6-server-", dir=self.workdir))
        # the URI (it carries the database password) in the environment, as the README says to do
        s = MlflowServer(backend, workdir=workdir, workers=workers, extra_args=extra_args, progress=self.progress,
                         uri_in_env=True)
        self.servers.append(s)
        return s.start()

    def start_postgres(self) -> LocalPostgres:
        if self.pg is None:
            with self.phase("postgres start"):
                self.pg = LocalPostgres(progress=self.progress).start()
        return self.pg

    def pg_database(self, name: str) -> str:
        pg = self.start_postgres()
        pg.run_script(f"CREATE DATABASE {name};")
        return pg.url(pg.admin_user, pg.admin_password, name)

    def pg_stored_steps(self, dbname: str, result: LoadResult) -> tuple[int, int]:
        """(rows stored, acknowledged missing) as PostgreSQL's metrics table holds them; a step stored with
        another value than the one logged at it (step j carries j) counts as missing."""
        with connect(self.pg.host, self.pg.port, self.pg.admin_user, self.pg.admin_password, dbname) as conn:
            rows = conn.execute("SELECT run_uuid, step, value FROM metrics WHERE key = 'load'").fetchall()
        got: dict[str, dict[int, set]] = {}
        for run, step, value in rows:
            got.setdefault(run, {}).setdefault(int(step), set()).add(float(value))
        missing = sum(1 for run, acked in result.acked.items() for s in acked
                      if got.get(run, {}).get(s) != {float(s)})
        return len(rows), missing

    def record_load(self, backend: str, res: LoadResult, extra: dict | None = None) -> None:
        fig = {"backend": backend, **res.figures(), **(extra or {})}
        self.figures["load"].append(fig)
        self.table.append({"scenario": f"{backend}: {res.label}", "acknowledged": res.acknowledged,
                           "stored": res.stored, "lost": res.lost, "writes/s": res.writes_per_s,
                           "errors": ", ".join(f"{k} x{v}" for k, v in sorted(res.errors.items())) or "-",
                           "outage s": (extra or {}).get("outage_s", "-"), "recovery s": (extra or {}).get("recovery_s", "-")})

    # -- part 2: load ----------------------------------------------------------------------------
    def load_on(self, backend: str, server: MlflowServer, dbname: str | None = None) -> list[LoadResult]:
        exp = experiment_id(server.uri, f"lab6-load-{backend}")
        out = []
        for label, writers, values, batch in LOADS:
            self.progress(f"{backend}: {label} x {values} values")
            res = verify(Writers(server.uri, exp, writers=writers, values=values, batch=batch, deadline_s=240,
                                 label=label).run(), server.uri)
            extra = {}
            if dbname:
                rows, missing = self.pg_stored_steps(dbname, res)
                extra = {"pg_rows": rows, "pg_missing_acknowledged": missing}
            self.record_load(backend, res, extra)
            ok = res.lost == 0 and res.acknowledged > 0 and extra.get("pg_missing_acknowledged", 0) == 0
            self.row(f"{backend}: {label}: nothing acknowledged lost", "lab6/load.py", ok,
                     res.summary() + (f"; {extra['pg_rows']} rows in PostgreSQL" if dbname else ""))
            out.append(res)
        return out

    def load_sqlite(self) -> list[LoadResult]:
        with self.phase("load: SQLite"):
            server = self.start_server(f"sqlite:///{self.workdir}/load.db", workers=NOTES_WORKERS)
            try:
                return self.load_on("sqlite", server)
            finally:
                server.stop()

    def start_pg_server(self) -> MlflowServer:
        """The PostgreSQL-backed server the load and fault parts share; it also allows the DNS name."""
        if self.pg_server is None:
            url = self.pg_database("lab6")
            schema.db_upgrade(url)  # the fix of the schema race, applied as the README says
            self.pg_server = self.start_server(url, workers=PG_WORKERS, extra_args=hosts.allowed_hosts_arg(DNS_NAME))
        return self.pg_server

    def load_postgres(self, server: MlflowServer) -> list[LoadResult]:
        with self.phase("load: PostgreSQL"):
            return self.load_on("postgresql", server, dbname="lab6")

    # -- part 2b: several processes on a new store ----------------------------------------------
    def schema_race(self) -> None:
        """Both backends: new stores opened by RACE_PROCESSES processes at once until one fails (at most
        RACE_ROUNDS stores: a race can pass by luck), then a store after `mlflow db upgrade`, which must
        exit 0 and let every process open it."""
        with self.phase("schema race"):
            art = (self.workdir / "race-artifacts").as_uri()
            new_store = {"sqlite": lambda n: f"sqlite:///{self.workdir}/race-new-{n}.db",
                         "postgresql": lambda n: self.pg_database(f"race_new_{n}")}
            fixed_store = {"sqlite": lambda: f"sqlite:///{self.workdir}/race-fixed.db",
                           "postgresql": lambda: self.pg_database("race_fixed")}
            # one round at a time, every round's racers forked from one parent that imported MLflow once
            with schema.Racers(self.workdir) as racers:
                self._race_each_backend(racers, art, new_store, fixed_store)

    def _race_each_backend(self, racers, art: str, new_store: dict, fixed_store: dict) -> None:
        for backend in ("sqlite", "postgresql"):
            raced = []
            for n in range(RACE_ROUNDS):
                r = racers.race(new_store[backend](n), art, processes=RACE_PROCESSES)
                raced.append(r)
                self.figures["schema"].append({"backend": backend, **asdict(r)})
                if r.failures:
                    break
            failed = [f for r in raced for f in r.failures]
            other = [f for f in failed if not schema.is_migration_race(f)]
            self.row(f"{backend}: a new empty store opened by {RACE_PROCESSES} processes at once fails",
                     "lab6/schema.py", bool(failed) and not other,
                     (f"{len(raced)} new store(s): " + "; ".join(r.line() for r in raced)
                      + (f"; NOT a migration race: {other[0][:160]}" if other else "")
                      + ("" if failed else f"; no failure in {RACE_ROUNDS} rounds: the race was not shown")))
            uri = fixed_store[backend]()
            up = schema.db_upgrade(uri)  # the fix: the schema once, before anyone opens the store
            r = racers.race(uri, art, processes=RACE_PROCESSES)
            r.upgraded_first, r.upgrade_exit = up.returncode == 0, up.returncode
            self.figures["schema"].append({"backend": backend, **asdict(r)})
            self.row(f"{backend}: `mlflow db upgrade` first (exit 0), then {r.processes} processes all open it",
                     "lab6/schema.py", up.returncode == 0 and r.ok == r.processes,
                     r.line() if up.returncode == 0 else
                     f"mlflow db upgrade exited {up.returncode}: {(up.stderr or up.stdout)[-300:]}")

    # -- part 3: faults ----------------------------------------------------------------------------
    def record_fault(self, name: str, f: faults.FaultResult, dbname: str, extra: dict | None = None) -> None:
        rows, missing = self.pg_stored_steps(dbname, f.load)
        hangs = faults.hang_problems(f)
        # what the tests judge, kept in the report: they read this run's figures (tests/lab6/conftest.py)
        fig = {"fault": name, **f.figures(), "pg_rows": rows, "pg_missing_acknowledged": missing,
               "hang_problems": hangs, "failed_calls_inside_window": len(f.failed_inside()), **(extra or {})}
        self.figures["faults"].append(fig)
        self.record_load("postgresql", f.load, {"outage_s": f.outage_s, "recovery_s": f.recovery_s})
        ok = (f.load.lost == 0 and missing == 0 and f.load.acknowledged > 0 and f.recovery_s >= 0 and not hangs)
        self.row(f"postgresql: {name}: errors, not hangs, and every acknowledged write stored", "lab6/faults.py", ok,
                 f.line() + f"; {rows} rows in PostgreSQL, {missing} acknowledged missing"
                 + "".join(f"; {p}" for p in hangs))

    def postgres_outage(self, server: MlflowServer) -> faults.FaultResult:
        with self.phase("fault: PostgreSQL stopped"):
            exp = experiment_id(server.uri, "lab6-faults")
            f = faults.postgres_outage(server.uri, exp, self.pg, progress=self.progress)
            self.record_fault("PostgreSQL stopped and started, server not restarted", f, "lab6")
            return f

    def server_kill(self, server: MlflowServer) -> MlflowServer:
        with self.phase("fault: server SIGKILL"):
            exp = experiment_id(server.uri, "lab6-faults")
            f, new = faults.server_kill(server, exp, progress=self.progress)
            self.servers.append(new)
            self.pg_server = new
            self.record_fault("MLflow server SIGKILLed and restarted", f, "lab6",
                              {"port_before": server.port, "port_after": new.port})
            return new

    # -- part 4: Host header ----------------------------------------------------------------------
    def host_header(self, fixed: MlflowServer) -> None:
        with self.phase("Host header"):
            reader = (self.secrets.get("LAB6_READER_USERNAME", "reader"), self.secrets.get("LAB6_READER_PASSWORD", ""))
            default = hosts.probe(self.uri, f"{DNS_NAME}:{self.port}", auth=reader)
            allowed = hosts.probe(fixed.uri, f"{DNS_NAME}:{fixed.port}")
            replaced = hosts.probe(fixed.uri, f"10.1.2.3:{fixed.port}")  # a private IP: allowed by default only
            self.figures["hosts"] += [{"server": "default", **asdict(default)},
                                      {"server": "--allowed-hosts", **asdict(allowed)},
                                      {"server": "--allowed-hosts (private IP)", **asdict(replaced)}]
            self.row("default server: DNS name gets 403 Invalid Host header, /health 200", "lab6/hosts.py",
                     default.api == 403 and "Invalid Host header" in default.body and default.health == 200, default.line())
            self.row("--allowed-hosts: the DNS name gets in", "lab6/hosts.py", allowed.api == 200, allowed.line())
            self.row("--allowed-hosts replaces the defaults: a private IP not listed gets 403", "lab6/hosts.py",
                     replaced.api == 403, replaced.line())

    def host_header_container(self) -> None:
        """A client container calling the server container by name on a Docker network, before and after the fix:
        the two servers run at the same time, each on its own name."""
        from mlflow_labs.infra import docker_engine  # noqa: PLC0415

        with self.phase("Host header from a container"):
            c = docker_engine.client()
            image = docker_engine.image_or_its_offline_build(settings.mlflow_image(), settings.OFFLINE_MLFLOW_IMAGE,
                                                             c, self.progress)
            net = c.networks.create(f"mlflow-labs-lab6-{docker_engine.SESSION}", labels=docker_engine.labels())
            c.close()
            try:
                # the client calls each server by its container name, as a compose client calls `http://mlflow:5000`
                names = {label: f"mlflow-labs-lab6-{docker_engine.SESSION}-{n}"
                         for n, label in enumerate(("default", "--allowed-hosts"))}
                args = {"default": [], "--allowed-hosts": hosts.allowed_hosts_arg(names["--allowed-hosts"])}
                codes = hosts.probe_by_name(image, net.name, [(names[k], args[k]) for k in names], self.progress)
                for (label, name), got in zip(names.items(), codes):
                    self.figures["hosts"].append({"server": f"container, {label}", "codes": got})
                    api, health = got.get(hosts.SEARCH), got.get("/health")
                    want = 403 if label == "default" else 200
                    self.row(f"from a container by name, {label}: API {want}, /health 200", "lab6/hosts.py",
                             api == want and health == 200, f"http://{name}:5000: API HTTP {api}, /health HTTP {health}")
            finally:
                net.remove()

    # -- the whole lab -------------------------------------------------------------------------
    def steps(self) -> None:
        self.run_readme()
        self.check_access()
        self.scan_command_lines("README server running")
        self.load_sqlite()
        pg_server = self.start_pg_server()
        self.load_postgres(pg_server)
        self.schema_race()
        self.postgres_outage(pg_server)
        pg_server = self.server_kill(pg_server)
        self.host_header(pg_server)
        self.host_header_container()
        self.scan_command_lines("end")

    def teardown(self) -> None:
        self.watch.stop()
        for s in self.servers:
            s.stop()
        if self.pg:
            self.pg.stop()

    def kept(self) -> str:
        return f"README server at {self.uri}, work dir {self.workdir}"
