"""PostgresProvider: what every PostgreSQL server the harness starts offers a lab (the admin login, URLs
for MLflow, running a script), whichever way it runs (local.py, docker.py)."""

from __future__ import annotations

import psycopg

from mlflow_labs.infra.postgres.sql import connect, run_script
from mlflow_labs.infra.service import Service

ADMIN_USER = "postgres"
ADMIN_PASSWORD = "lab-admin-password"


class PostgresProvider(Service):
    """A running PostgreSQL server the host reaches at ``host:port`` with an admin (superuser) login.
    A Service: ``with``, or start() and stop(); a failed start stops what it started."""

    kind = "?"
    host = "127.0.0.1"
    port: int = 0
    admin_user = ADMIN_USER
    admin_password = ADMIN_PASSWORD
    # how an MLflow *container* reaches this server (None: containers cannot)
    container_host: str | None = None
    container_port: int = 5432
    docker_network: str | None = None

    def log_tail(self, lines: int = 20) -> str:
        return "(no log)"

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
