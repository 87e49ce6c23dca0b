"""What the notes' "git clone and dvc pull" leaves out, proven with real git and dvc (no server).

The notes go from `git clone` straight to `dvc pull`. That only works if whoever added the data
also configured a DVC remote in the committed .dvc/config and ran `dvc push`; otherwise the
clone's `dvc pull` fails and the data exists only on the first machine. The lab's README does
`dvc remote add -d` + commit + `dvc push` for that reason (see labs/ERRATA.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlflow_labs.errors import PrerequisiteMissing
from mlflow_labs.lab4 import tools

pytestmark = pytest.mark.lab4


@pytest.fixture(autouse=True)
def _tools():
    try:
        tools.git_executable(), tools.dvc_executable()
    except PrerequisiteMissing as exc:
        pytest.skip(str(exc))


def repo_with_data(path: Path, remote: Path | None) -> bytes:
    env = tools.with_git_identity(tools.tool_env())
    path.mkdir()
    tools.git(path, "init", "-q")
    tools.dvc(path, "init", "-q")
    if remote:
        tools.dvc(path, "remote", "add", "-d", "storage", str(remote))
    data = b"alcohol,cultivar\r\n14.23,0\r\n12.37,1\r\n"
    (path / "wine.csv").write_bytes(data)
    tools.dvc(path, "add", "-q", "wine.csv")
    tools.run([tools.git_executable(), "add", "-A"], path, what="git add", env=env)
    tools.run([tools.git_executable(), "commit", "-q", "-m", "data"], path, what="git commit", env=env)
    return data


def test_clone_and_pull_without_a_remote_fails(tmp_path):
    repo_with_data(tmp_path / "origin", remote=None)
    tools.git(tmp_path, "clone", "-q", str(tmp_path / "origin"), str(tmp_path / "clone"))
    with pytest.raises(tools.ToolError, match="No remote provided and no default remote set"):
        tools.dvc(tmp_path / "clone", "pull")
    assert not (tmp_path / "clone" / "wine.csv").exists()


def test_clone_and_pull_with_a_pushed_remote_restores_the_bytes(tmp_path):
    data = repo_with_data(tmp_path / "origin", remote=tmp_path / "remote")
    with pytest.raises(tools.ToolError, match="wine.csv"):  # pushed nothing yet: the clone cannot get it
        tools.git(tmp_path, "clone", "-q", str(tmp_path / "origin"), str(tmp_path / "early"))
        tools.dvc(tmp_path / "early", "pull")
    tools.dvc(tmp_path / "origin", "push", "-q")
    tools.git(tmp_path, "clone", "-q", str(tmp_path / "origin"), str(tmp_path / "clone"))
    tools.dvc(tmp_path / "clone", "pull", "-q")
    assert (tmp_path / "clone" / "wine.csv").read_bytes() == data
