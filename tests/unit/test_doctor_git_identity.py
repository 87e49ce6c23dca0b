"""`mlflow-labs doctor lab4` on a machine where git has no identity (a fresh HOME): reported missing,
with the two `git config` commands; present once they ran."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from mlflow_labs.cli import main

pytestmark = pytest.mark.unit


@pytest.fixture
def fresh_home(tmp_path, monkeypatch):
    if not shutil.which("git"):
        pytest.skip("git is not installed (fix: apt-get install git)")
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")  # an /etc/gitconfig identity would hide the fresh HOME's lack
    for var in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL", "XDG_CONFIG_HOME"):
        monkeypatch.delenv(var, raising=False)
    return home


def identity_line(out: str) -> list[str]:
    lines = out.splitlines()
    i = next(i for i, ln in enumerate(lines) if "git identity" in ln)
    return lines[i:i + 2]


def test_missing_identity_is_reported_with_both_commands(fresh_home, capsys):
    assert main(["doctor", "lab4"]) == 0
    line, fix = identity_line(capsys.readouterr().out)
    assert line.startswith("MISSING")
    assert 'git config --global user.name "Your Name"' in fix
    assert 'git config --global user.email "you@example.com"' in fix


def test_identity_set_by_the_two_commands_is_ok(fresh_home, capsys):
    subprocess.run(["git", "config", "--global", "user.name", "Ada Learner"], check=True)
    subprocess.run(["git", "config", "--global", "user.email", "ada@example.com"], check=True)
    assert main(["doctor", "lab4"]) == 0
    line = identity_line(capsys.readouterr().out)[0]
    assert line.startswith("ok") and "Ada Learner <ada@example.com>" in line
