"""Lab 6 pure logic: secret handling, error kinds, the allow-listed unpickler's refusal."""

from __future__ import annotations

import os
import pickle

import pytest
import requests

from mlflow_labs.lab4 import safe_pickle
from mlflow_labs.harness import leaks
from mlflow_labs.lab6 import auth
from mlflow_labs.lab6.load import error_kind

pytestmark = pytest.mark.unit


def test_credentials_come_from_env_and_never_show_the_password():
    env = {"LAB6_READER_PASSWORD": "s3cret-value-123456"}
    creds = auth.reader(env)
    assert creds.username == "reader" and creds.password_var == "LAB6_READER_PASSWORD"
    assert "s3cret" not in repr(creds)
    assert "s3cret" not in auth.explain_401(creds, "http://x") and "LAB6_READER_PASSWORD" in auth.explain_401(creds, "http://x")
    assert auth.writer(env) is None
    assert "LAB6_WRITER_PASSWORD is not set" in auth.missing("writer", "LAB6_WRITER_PASSWORD")


def test_found_in_names_the_variable_not_the_value():
    secrets = {"A": "long-secret-value", "SHORT": "abc"}
    assert leaks.found_in(secrets, {"log": "x long-secret-value y", "other": "abc"}) == ["A in log"]


def test_env_file_parsing(tmp_path):
    f = tmp_path / "s.env"
    f.write_text("# c\nA=1=2\nB = x\n\n")
    assert leaks.read_env_file(f) == {"A": "1=2", "B": "x"}


def _response(status: int, text: str) -> requests.Response:
    r = requests.Response()
    r.status_code, r._content = status, text.encode()
    return r


def test_error_kinds_group_by_cause():
    assert error_kind(requests.Timeout()) == "timeout"
    assert error_kind(requests.ConnectionError("Connection refused")) == "connection refused"
    assert error_kind(response=_response(500, '{"message": "(sqlite3.OperationalError) database is locked"}')) \
        == "HTTP 500 database is locked"
    assert error_kind(response=_response(403, "Invalid Host header")) == "HTTP 403 invalid host header"
    assert error_kind(response=_response(400, '{"error_code": "INVALID_PARAMETER_VALUE"}')) \
        == "HTTP 400 INVALID_PARAMETER_VALUE"


class _Evil:
    def __reduce__(self):
        return (os.system, ("true",))


def test_unpickler_refuses_by_name_before_calling():
    with pytest.raises(safe_pickle.RefusedClass, match=r"refused to load posix\.system"):
        safe_pickle.loads(pickle.dumps(_Evil()))
    with pytest.raises(safe_pickle.RefusedClass, match=r"builtins\.eval"):
        safe_pickle.loads(pickle.dumps(eval))
