"""The shared class server with authentication (lab 6's basic-auth app, a real MLflow server): the
instructor's account, named in the roster by its variables or a netrc file, reads every learner's
experiment; without credentials a learner's row says the server refused, and no secret is ever shown."""

from __future__ import annotations

import csv
import secrets

import pytest
import requests

from mlflow_labs.cli import main
from tests.basic_auth import basic_auth_server

from .classroom import log_lab1
from .conftest import write_roster

pytestmark = pytest.mark.grade

ADMIN_PASSWORD = "admin-" + secrets.token_hex(8)


@pytest.fixture(scope="module")
def auth_server(tmp_path_factory, progress):
    work = tmp_path_factory.mktemp("grade-auth-server")
    with basic_auth_server(work, progress, default_permission="NO_PERMISSIONS",
                           admin_password=ADMIN_PASSWORD) as server:
        admin = requests.Session()
        admin.auth = ("admin", ADMIN_PASSWORD)
        log_lab1(server.uri, "ann", "complete", session=admin)
        log_lab1(server.uri, "ben", "wrong_alpha", session=admin)
        yield server, work


def test_instructor_account_grades_a_shared_auth_server(auth_server, tmp_path, monkeypatch, capsys):
    server, _ = auth_server
    monkeypatch.setenv("CLASS_USER", "admin")
    monkeypatch.setenv("CLASS_PASSWORD", ADMIN_PASSWORD)
    netrc = tmp_path / "instructor.netrc"
    netrc.write_text(f"machine 127.0.0.1 login admin password {ADMIN_PASSWORD}\n")
    netrc.chmod(0o600)
    roster = write_roster(tmp_path / "roster.csv", [
        {"learner": "ann", "tracking_uri": server.uri, "experiment": "ann",
         "username_var": "CLASS_USER", "password_var": "CLASS_PASSWORD"},
        {"learner": "ben", "tracking_uri": server.uri, "experiment": "ben", "netrc": "instructor.netrc"},
        {"learner": "cid", "tracking_uri": server.uri, "experiment": "cid"},  # no credentials given
    ])
    out = tmp_path / "out"
    code = main(["grade", "lab1", "--roster", roster, "--out", str(out)])
    printed = capsys.readouterr()
    assert code == 1, printed
    with (out / "grades.csv").open() as f:
        rows = {r["learner"]: r for r in csv.DictReader(f)}
    assert rows["ann"]["status"] == "PASS", rows["ann"]
    assert (rows["ben"]["status"], rows["ben"]["first_failure"]) == ("FAIL", "params are exactly test_size=0.2, alpha=0.5")
    assert rows["cid"]["status"] == "ERROR" and "HTTP 401" in rows["cid"]["detail"], rows["cid"]
    for text in [printed.out, printed.err, *(f.read_text() for f in out.iterdir())]:
        assert ADMIN_PASSWORD not in text
