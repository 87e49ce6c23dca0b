"""Lab 3 on Kubernetes, steps 3 and 5, without a cluster: the README's password and SQL blocks, run as
written against a real local PostgreSQL. Only the way psql is reached changes: `kubectl exec` into
the PostgreSQL pod (local socket, trusted) becomes psql on the local server's socket (trusted too).
Then mlflow_user logs in over TCP with the generated password and creates a table in `public`
of `mlflow`, which is what MLflow's first start does (fails on PostgreSQL 15+ without `\\c mlflow`).
"""

from __future__ import annotations

import re
import shutil

import psycopg
import pytest

from mlflow_labs.harness.readme.runner import ReadmeRunner
from mlflow_labs.harness.readme.steps import Substitution
from mlflow_labs.errors import PrerequisiteMissing
from mlflow_labs.infra.postgres import LocalPostgres
from mlflow_labs.labs import get_lab, repo_root

pytestmark = pytest.mark.lab2

README = get_lab("lab3").dir / "kubernetes" / "README.md"
IN_POD_PSQL = r"kubectl -n mlflow exec -i deployment/postgres -- psql"


@pytest.fixture(scope="module")
def postgres(progress):
    if not shutil.which("psql"):
        pytest.skip("psql (the PostgreSQL client) is not on PATH. Fix: apt-get install postgresql-client")
    try:
        with LocalPostgres(progress=progress) as pg:
            yield pg
    except PrerequisiteMissing as exc:
        pytest.skip(str(exc))


def test_readme_sql_creates_a_user_that_can_create_tables(postgres, tmp_path):
    runner = ReadmeRunner(README, tmp_path, display_root=repo_root(), substitutions=[
        Substitution(re.escape(IN_POD_PSQL), f"psql -h {postgres.workdir} -p {postgres.port}",
                     "psql in the PostgreSQL pod -> psql on a local PostgreSQL (no cluster here)")])
    lines = [b.line for b in runner.blocks if "token_urlsafe" in b.text or b.directive.get("file") == "init-k8s.sql"
             or IN_POD_PSQL in b.text]
    assert len(lines) == 3, "the README's password, SQL and psql steps were not found"
    steps = runner.run(only_lines=set(lines))
    assert [s.status for s in steps] == ["passed"] * 3, [(s.where, s.note) for s in steps]
    assert runner.applied, "the psql substitution did not apply: the README's command changed"

    password = (runner.cwd / "mlflow-db-password").read_text().strip()
    assert password not in (runner.cwd / "init-k8s.sql").read_text()
    with psycopg.connect(host="127.0.0.1", port=postgres.port, user="mlflow_user", password=password,
                         dbname="mlflow", autocommit=True) as conn:
        conn.execute("CREATE TABLE lab_probe (id int)")  # what MLflow's migrations need to be allowed
        assert conn.execute("SELECT current_user, current_database()").fetchone() == ("mlflow_user", "mlflow")
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        psycopg.connect(host="127.0.0.1", port=postgres.port, user="mlflow_user", password="mlflow_password",
                        dbname="mlflow").close()
