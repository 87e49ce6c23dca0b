"""Honest skips: scripts/test fails an env that passed no test, and any skip not on tests/allowed-skips.toml;
allowed ones are counted by name on the closing line. Shown on the real scheduler (scripts/_run_envs.py,
real tox, real pytest) over a throwaway project whose envs skip in each way."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from mlflow_labs.harness import skips
from mlflow_labs.errors import LabError
from mlflow_labs.labs import repo_root

pytestmark = pytest.mark.unit

ALLOWED = textwrap.dedent('''
    [[allowed]]
    name = "kind"
    tests = "tests.test_kind::*"
    reason = "cannot run here"
    why = "no node image on these machines"
''')


def test_the_projects_list_reads_and_names_the_kind_tests():
    entries = skips.load(repo_root())
    assert "kind" in [e.name for e in entries] and all(e.why and e.reason and e.tests for e in entries)
    assert skips.load(repo_root(), "none") == []
    with pytest.raises(LabError, match="does not list"):
        skips.load(repo_root(), "chromium")


def test_only_a_listed_test_with_the_listed_reason_is_allowed(tmp_path):
    (tmp_path / "tests").mkdir()
    (tmp_path / skips.LIST).write_text(ALLOWED)
    allowed = skips.load(tmp_path)
    v = skips.judge([skips.Skip("tests.test_kind::test_a", "The Kubernetes labs cannot run here: kind missing"),
                     skips.Skip("tests.test_kind::test_b", "psql missing"),           # right test, other reason
                     skips.Skip("tests.test_ui::test_c", "cannot run here")], allowed)  # other test, right reason
    assert v.allowed_text() == "kind x1" and not v.ok
    assert [u.test for u in v.unlisted] == ["tests.test_kind::test_b", "tests.test_ui::test_c"]


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """A throwaway checkout: the real scheduler, tox envs sharing this test's own Python environment."""
    root = tmp_path_factory.mktemp("skip-project")
    (root / "scripts").mkdir()
    shutil.copy(repo_root() / "scripts" / "_run_envs.py", root / "scripts" / "_run_envs.py")
    # the project's tox runner (one shared env), over this test's own environment: nothing to build
    shutil.copy(repo_root() / "toxfile.py", root / "toxfile.py")
    (root / "scripts" / "_venv.sh").write_text(": # the env already exists (this test's own)\n")
    (root / "tests").mkdir()
    (root / skips.LIST).write_text(ALLOWED)
    (root / "tests" / "test_ok.py").write_text("def test_ok():\n    pass\n")
    (root / "tests" / "test_kind.py").write_text(
        "import pytest\n\ndef test_kind():\n    pytest.skip('The Kubernetes labs cannot run here: no kind')\n")
    (root / "tests" / "test_ui.py").write_text(
        "import pytest\n\ndef test_ui():\n    pytest.skip('no headless browser for lab 5')\n")
    (root / "tox.ini").write_text(textwrap.dedent(f'''
        [tox]
        env_list = passing
        [testenv]
        runner = mlflow-labs-venv
        env_dir = {sys.prefix}
        base_python = {{env_dir}}/bin/python
        package = skip
        pass_env = MLFLOW_LABS_*
        commands = python -m pytest -p no:cacheprovider {{posargs}} --junitxml={{env:MLFLOW_LABS_REPORTS}}/junit-{{env_name}}.xml
        [testenv:passing]
        commands = {{[testenv]commands}} tests/test_ok.py
        [testenv:kindskip]
        commands = {{[testenv]commands}} tests/test_ok.py tests/test_kind.py
        [testenv:onlyskip]
        commands = {{[testenv]commands}} tests/test_kind.py
        [testenv:unlisted]
        commands = {{[testenv]commands}} tests/test_ok.py tests/test_ui.py
    '''))
    return root


def scheduler(project, *envs, **env):
    reports = project / "reports"
    p = subprocess.run([sys.executable, str(project / "scripts" / "_run_envs.py"), "-e", ",".join(envs)],
                       cwd=project, capture_output=True, text=True, timeout=300,
                       env={**os.environ, "MLFLOW_LABS_REPORTS": str(reports), **env,
                            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"})
    summary = json.loads((reports / "test-summary.json").read_text()) if (reports / "test-summary.json").exists() else {}
    return p, p.stdout.strip().splitlines()[-1] if p.stdout.strip() else "", summary


@pytest.fixture(scope="module")
def green(project):
    return scheduler(project, "passing", "kindskip")


@pytest.fixture(scope="module")
def red(project):
    return scheduler(project, "onlyskip", "unlisted")


def test_an_allowed_skip_is_counted_by_name_and_stays_green(green):
    p, last, _ = green
    assert p.returncode == 0, p.stdout + p.stderr
    assert last == "2 passed, 0 failed, 1 skipped (allowed: kind x1)"


def test_an_env_whose_only_test_skips_fails(red):
    p, last, summary = red
    assert p.returncode == 1, p.stdout
    assert summary["envs"]["onlyskip"]["verdict"].startswith("PASSED NONE")
    assert not summary["envs"]["onlyskip"]["ok"]


def test_an_unlisted_skip_fails_the_run_naming_the_test_and_reason(red):
    p, last, summary = red
    assert "tests.test_ui::test_ui: " in p.stdout and "no headless browser for lab 5" in p.stdout
    assert summary["envs"]["unlisted"]["unlisted_skips"][0]["test"] == "tests.test_ui::test_ui"
    # onlyskip: its allowed kind skip, and the env failed once for passing nothing; unlisted: 1 pass, 1 failure
    assert last == "1 passed, 2 failed, 1 skipped (allowed: kind x1)"


def test_a_job_that_has_the_prerequisite_allows_no_skip(project):
    """The GitHub kind job sets MLFLOW_LABS_ALLOWED_SKIPS=none: there a kind skip is a failure."""
    p, last, _ = scheduler(project, "kindskip", MLFLOW_LABS_ALLOWED_SKIPS="none")
    assert p.returncode == 1 and last == "1 passed, 1 failed, 0 skipped", p.stdout


def test_a_wrong_selection_stops_before_running_anything(project):
    p, _, _ = scheduler(project, "passing", MLFLOW_LABS_ALLOWED_SKIPS="chromium")
    assert p.returncode == 2 and "does not list" in p.stderr
