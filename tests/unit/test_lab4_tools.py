"""Lab 4 git/dvc helpers: hash formats and .dvc parsing, checked against real dvc where it matters."""

from __future__ import annotations

import hashlib

import pytest

from mlflow_labs.errors import LabError
from mlflow_labs.lab4 import tools

pytestmark = pytest.mark.unit


def test_hash_formats():
    assert tools.is_commit_hash("0123456789abcdef0123456789abcdef01234567")
    assert not tools.is_commit_hash("0123456789ABCDEF0123456789abcdef01234567")
    assert not tools.is_commit_hash("abc")
    assert not tools.is_commit_hash(None)
    assert tools.is_md5(hashlib.md5(b"x").hexdigest())
    assert not tools.is_md5("z" * 32)


def test_recorded_md5_reads_a_dvc_3_file(tmp_path):
    f = tmp_path / "wine.csv.dvc"
    f.write_text("outs:\n- md5: b5e66e7a0ab52c3074402fa84c2757c7\n  size: 11586\n  hash: md5\n  path: wine.csv\n")
    assert tools.recorded_md5(f) == "b5e66e7a0ab52c3074402fa84c2757c7"


@pytest.mark.parametrize("text", ["outs: []\n", "outs:\n- path: x\n", ": : :\n"])
def test_recorded_md5_rejects_what_it_cannot_use(tmp_path, text):
    f = tmp_path / "x.dvc"
    f.write_text(text)
    with pytest.raises(LabError, match="dvc add"):
        tools.recorded_md5(f)


def test_file_md5_is_what_real_dvc_add_records(tmp_path):
    """DVC 3 hashes the bytes as they are (CRLF kept): our md5 must agree with dvc's own."""
    tools.git(tmp_path, "init", "-q")
    tools.dvc(tmp_path, "init", "-q")
    data = tmp_path / "data.csv"
    data.write_bytes(b"a,b\r\n1,2\r\n")
    tools.dvc(tmp_path, "add", "-q", "data.csv")
    assert tools.file_md5(data) == tools.recorded_md5(tmp_path / "data.csv.dvc") == hashlib.md5(data.read_bytes()).hexdigest()


def test_tool_errors_carry_command_and_output(tmp_path):
    tools.git(tmp_path, "init", "-q")
    with pytest.raises(tools.ToolError, match=r"git checkout of nothing failed: `.*git checkout no-such-ref` in .* "
                                              r"exited \d+\.\n.*no-such-ref"):
        tools.git(tmp_path, "checkout", "no-such-ref", what="git checkout of nothing")


def test_tool_env_is_offline_and_non_interactive():
    env = tools.tool_env({"PATH": "/usr/bin"})
    assert env["DVC_NO_ANALYTICS"] == "1" and env["GIT_TERMINAL_PROMPT"] == "0"
