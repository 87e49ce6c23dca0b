"""infra/mlflow_server.py's ``uri_in_env``: the backend store URI (with its database password) reaches the
server in MLFLOW_BACKEND_STORE_URI and is nowhere on its command line, where `ps` shows it to every user.
(Lab 6's servers run this way; tests/lab6 sees them serve from PostgreSQL.)"""

from __future__ import annotations

import pytest

from mlflow_labs.infra.mlflow_server import MlflowServer

pytestmark = pytest.mark.unit

URI = "postgresql+psycopg://mlflow:s3cret-pw@127.0.0.1:5432/mlflow"


def test_uri_in_env_keeps_the_password_off_the_command_line(tmp_path):
    server = MlflowServer(URI, port=5999, workdir=tmp_path, uri_in_env=True)
    assert not [a for a in server.command() if "s3cret-pw" in a], server.command()
    assert "--backend-store-uri" not in server.command()
    assert server.env["MLFLOW_BACKEND_STORE_URI"] == URI


def test_by_default_the_uri_is_an_argument(tmp_path):
    cmd = MlflowServer(URI, port=5999, workdir=tmp_path).command()
    assert cmd[cmd.index("--backend-store-uri") + 1] == URI


def test_a_new_sqlite_store_is_one_the_server_would_create(tmp_path):
    """Only a SQLite file that does not exist yet, under the default artifact root, is made from the template."""
    assert MlflowServer(f"sqlite:///{tmp_path}/new.db", workdir=tmp_path).new_sqlite_store() == tmp_path / "new.db"
    assert MlflowServer("sqlite:///rel.db", workdir=tmp_path).new_sqlite_store() == tmp_path / "rel.db"
    (tmp_path / "old.db").write_bytes(b"")
    assert MlflowServer(f"sqlite:///{tmp_path}/old.db", workdir=tmp_path).new_sqlite_store() is None
    assert MlflowServer(URI, workdir=tmp_path).new_sqlite_store() is None
    other_root = MlflowServer(f"sqlite:///{tmp_path}/x.db", workdir=tmp_path,
                              extra_args=["--default-artifact-root", "s3://b"])
    assert other_root.new_sqlite_store() is None


def test_the_template_is_written_whole_or_not_at_all(tmp_path):
    from mlflow_labs.infra.mlflow_server import keep_template
    store = tmp_path / "store.db"
    store.write_bytes(b"SQLite format 3\0" + b"x" * 1000)
    template = tmp_path / "cache" / "stores" / "t.db"
    keep_template(store, template)
    assert template.read_bytes() == store.read_bytes()
    assert [p.name for p in template.parent.iterdir()] == ["t.db"]  # no partial file left beside it
