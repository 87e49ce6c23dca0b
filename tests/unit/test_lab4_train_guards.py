"""The guards in Lab 4's train.py, run as a learner runs it, in a real git repo. Each refusal comes
before `import mlflow`, so no server is needed: a guard that stopped refusing would reach the
tracking URI below (nothing listens there) and fail differently, with another message."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mlflow_labs.labs import get_lab
from mlflow_labs.lab4 import tools

pytestmark = pytest.mark.unit
CSV = b"alcohol,cultivar\n14.23,0\n13.2,0\n12.37,1\n"


def dvc_file(data: bytes) -> str:  # what `dvc add` writes (DVC 3); test_lab4_tools checks that against real dvc
    return f"outs:\n- md5: {hashlib.md5(data).hexdigest()}\n  size: {len(data)}\n  hash: md5\n  path: wine.csv\n"


@pytest.fixture
def project(tmp_path) -> Path:
    """The lab's project committed to a fresh git repo, with data and its .dvc file (hand-written)."""
    repo = tmp_path / "wine"
    shutil.copytree(get_lab("lab4").dir / "project", repo, ignore=shutil.ignore_patterns("__pycache__", "artifacts"))
    (repo / "data").mkdir()
    (repo / "data" / "wine.csv").write_bytes(CSV)
    (repo / "data" / "wine.csv.dvc").write_text(dvc_file(CSV))
    (repo / "data" / ".gitignore").write_text("/wine.csv\n")
    commit(repo, "project with data v1")
    return repo


def commit(repo: Path, message: str) -> None:
    env = tools.with_git_identity(tools.tool_env())
    for cmd in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", message]):
        tools.run([tools.git_executable(), *cmd], repo, what=f"git {cmd[0]}", env=env)


def train(repo: Path) -> subprocess.CompletedProcess:
    # if a guard let it through, MLflow must fail fast on the dead URI rather than retry for minutes
    env = {**os.environ, "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "0", "MLFLOW_HTTP_REQUEST_TIMEOUT": "3"}
    return subprocess.run([sys.executable, "train.py", "--tracking-uri", "http://127.0.0.1:9"], cwd=repo,
                          capture_output=True, text=True, timeout=120, env=env)


def refused(p: subprocess.CompletedProcess) -> str:
    assert p.returncode == 2, f"not refused (exit {p.returncode}):\n{p.stdout}\n{p.stderr}"
    assert p.stderr.startswith("train.py: refused: ")
    return p.stderr


def test_outside_a_git_repo_is_refused(tmp_path):
    repo = tmp_path / "plain"
    shutil.copytree(get_lab("lab4").dir / "project", repo)
    assert "git init && git add . && git commit" in refused(train(repo))


def test_modified_tracked_code_is_refused_naming_the_file(project):
    with open(project / "train.py", "a") as fh:
        fh.write("# tweak\n")
    err = refused(train(project))
    assert "Uncommitted changes to tracked files: train.py." in err
    assert "git stash" in err and "--allow-dirty" in err


def test_staged_changes_count_as_uncommitted(project):
    with open(project / "clean_data.py", "a") as fh:
        fh.write("# tweak\n")
    tools.git(project, "add", "clean_data.py")
    assert "Uncommitted changes to tracked files: clean_data.py." in refused(train(project))


def test_new_dvc_version_not_committed_is_refused(project):
    new = CSV + b"12.0,2\n"
    (project / "data" / "wine.csv").write_bytes(new)
    (project / "data" / "wine.csv.dvc").write_text(dvc_file(new))  # `dvc add` done, commit forgotten
    assert "data/wine.csv.dvc" in refused(train(project))


def test_data_changed_without_dvc_add_is_refused_with_both_fixes(project):
    (project / "data" / "wine.csv").write_bytes(CSV[:-6])
    err = refused(train(project))
    assert f"records {hashlib.md5(CSV).hexdigest()}" in err
    assert "changed without `dvc add`" in err
    assert "dvc add data/wine.csv && git add data/wine.csv.dvc && git commit" in err
    assert "dvc checkout --force data/wine.csv" in err


def test_missing_data_points_to_dvc_pull(project):
    (project / "data" / "wine.csv").unlink()
    (project / "notes.txt").write_text("untracked files do not make the tree dirty")
    assert "data/wine.csv is missing" in (err := refused(train(project))) and "dvc pull" in err


def test_dvc_file_never_committed_is_refused(tmp_path):
    repo = tmp_path / "wine"
    shutil.copytree(get_lab("lab4").dir / "project", repo, ignore=shutil.ignore_patterns("__pycache__", "artifacts"))
    commit(repo, "code only")
    (repo / "data").mkdir()
    (repo / "data" / "wine.csv").write_bytes(CSV)
    (repo / "data" / "wine.csv.dvc").write_text(dvc_file(CSV))
    assert "is not committed to git" in refused(train(repo))


def test_no_dvc_file_says_how_to_create_it(tmp_path):
    repo = tmp_path / "wine"
    shutil.copytree(get_lab("lab4").dir / "project", repo, ignore=shutil.ignore_patterns("__pycache__", "artifacts"))
    commit(repo, "code only")
    assert "dvc add data/wine.csv" in refused(train(repo))
