"""A session that writes into labs/ fails (tests/labs_unchanged.py, which tests/conftest.py registers for every
session): a throwaway pytest session, on a copy of one lab folder, whose test changes a README, adds a
file or removes one, ends with one failed test naming each, in the summary, the JUnit XML and the exit
status; the same session with a test that only reads passes."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

from mlflow_labs.settings import repo_root
from tests.labs_unchanged import NODEID

pytestmark = pytest.mark.unit

THROWAWAY = '''
from pathlib import Path
import os

LABS = Path(os.environ["MLFLOW_LABS_ROOT"]) / "labs"


def test_it():
    {body}
'''


def session(tmp_path, body: str) -> tuple[subprocess.CompletedProcess, ET.Element]:
    root = tmp_path / "checkout"
    shutil.copytree(repo_root() / "labs" / "lab1-sqlite-local", root / "labs" / "lab1-sqlite-local")
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    (tmp_path / "test_throwaway.py").write_text(THROWAWAY.format(body=body))
    env = {**os.environ, "MLFLOW_LABS_ROOT": str(root), "MLFLOW_LABS_REPORTS": str(tmp_path / "reports")}
    env.pop("TOX_ENV_NAME", None)
    p = subprocess.run([sys.executable, "-m", "pytest", "-c", str(tmp_path / "pytest.ini"), "--rootdir", str(tmp_path),
                        "-p", "no:cacheprovider", "-p", "tests.labs_unchanged", "--junitxml", str(tmp_path / "j.xml"),
                        str(tmp_path / "test_throwaway.py")],
                       cwd=repo_root(), env=env, capture_output=True, text=True, timeout=300)
    return p, ET.parse(tmp_path / "j.xml").getroot()


def failed_cases(junit: ET.Element) -> list[str]:
    return [c.get("name") for c in junit.iter("testcase") if c.find("failure") is not None]


@pytest.mark.parametrize("body,named", [
    ('(LABS / "lab1-sqlite-local" / "README.md").open("a").write("a learner would never see this\\n")',
     "labs/lab1-sqlite-local/README.md (changed)"),
    ('(LABS / "lab1-sqlite-local" / "mlflow.db").write_bytes(b"")', "labs/lab1-sqlite-local/mlflow.db (added)"),
    ('(LABS / "lab1-sqlite-local" / "README.md").unlink()', "labs/lab1-sqlite-local/README.md (removed)"),
])
def test_a_session_that_writes_into_labs_fails_naming_the_file(tmp_path, body, named):
    p, junit = session(tmp_path, body)
    out = p.stdout + p.stderr
    assert p.returncode == 1, out
    assert f"the session wrote into labs/: {named}" in out, out
    assert failed_cases(junit) == [NODEID.split("::")[1]], ET.tostring(junit)[:2000]


def test_a_session_that_only_reads_labs_passes(tmp_path):
    p, junit = session(tmp_path, 'assert (LABS / "lab1-sqlite-local" / "README.md").read_text()')
    assert p.returncode == 0, p.stdout + p.stderr
    assert failed_cases(junit) == [] and "wrote into labs/" not in p.stdout


def test_what_provisioning_installs_is_not_the_course(tmp_path):
    """node_modules (npm ci, lab 7) and __pycache__ are git-ignored build outputs, not the course."""
    p, _ = session(tmp_path, '(LABS / "lab1-sqlite-local" / "node_modules").mkdir(); '
                             '(LABS / "lab1-sqlite-local" / "node_modules" / "x.js").write_text("1")')
    assert p.returncode == 0, p.stdout + p.stderr
