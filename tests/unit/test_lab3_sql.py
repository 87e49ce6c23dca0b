"""Lab 3's psql-style script splitting and connection error wording (pure logic)."""

from __future__ import annotations

import pytest

from mlflow_labs.infra.postgres import explain_connect_error, split_script
from mlflow_labs.labs import get_lab

pytestmark = pytest.mark.unit


def test_split_follows_backslash_c_and_drops_comments():
    sql = "-- a comment\nCREATE DATABASE mlflow;\nGRANT ALL\n  ON DATABASE mlflow TO u; -- trailing\n\\c mlflow\nGRANT ALL ON SCHEMA public TO u;\n"
    assert split_script(sql) == [
        (None, "CREATE DATABASE mlflow;"),
        (None, "GRANT ALL\n  ON DATABASE mlflow TO u;"),
        ("mlflow", "GRANT ALL ON SCHEMA public TO u;"),
    ]


def test_connect_meta_command_long_form_and_trailing_statement():
    assert split_script("\\connect other\nSELECT 1") == [("other", "SELECT 1")]


def test_init_sql_differs_from_the_notes_only_by_the_switch_to_mlflow():
    lab = get_lab("lab3").dir
    notes, init = split_script((lab / "notes-original.sql").read_text()), split_script((lab / "init.sql").read_text())
    assert [s for _, s in notes] == [s for _, s in init]
    assert [db for db, _ in notes] == [None] * 4
    assert [db for db, _ in init] == [None, None, None, "mlflow"]


@pytest.mark.parametrize("raw, expect", [
    ('connection failed: FATAL:  password authentication failed for user "mlflow_user"', "rejected the password for user 'mlflow_user'"),
    ("connection failed: Connection refused", "Cannot reach PostgreSQL at db.example:6543"),
    ("connection failed: timeout expired", "Cannot reach PostgreSQL at db.example:6543"),
    ('FATAL:  database "mlflow" does not exist', "has no database 'mlflow'"),
])
def test_connect_errors_name_user_host_port_and_fix(raw, expect):
    msg = explain_connect_error(raw, "db.example", 6543, "mlflow_user", "mlflow")
    assert expect in msg
    assert "db.example:6543" in msg and "mlflow_user" in msg
