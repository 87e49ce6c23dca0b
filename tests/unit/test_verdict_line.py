"""The last line a learner sees from `tox -e labN` (the plugin's _Verdict): one verdict, what failed and
why, and how many harness-proof tests the default selection left out. A real pytest session per case."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.unit

TESTS = '''
import pytest

def test_ok():
    pass

@pytest.mark.harness
def test_proves_the_harness():
    pass

def test_maybe_broken():
    assert {broken} == 1, "the server answered 404 for the run"
'''


def session(tmp_path, broken: bool, *args: str) -> list[str]:
    (tmp_path / "test_lab9.py").write_text(TESTS.format(broken=2 if broken else 1))
    env = {**os.environ, "TOX_ENV_NAME": "lab9", "MLFLOW_LABS_REPORTS": str(tmp_path / "reports")}
    p = subprocess.run([sys.executable, "-m", "pytest", str(tmp_path), "-p", "no:cacheprovider", "-W", "ignore", *args],
                       cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    return p.stdout.rstrip().splitlines()


def test_a_pass_is_the_last_line_and_names_what_was_left_out(tmp_path):
    lines = session(tmp_path, False, "-m", "not harness")
    assert lines[-1].startswith("mlflow-labs: lab9 PASSED in "), lines[-3:]
    assert "(2 passed, 0 failed, 0 skipped)" in lines[-1]
    assert "1 harness-proof test(s) not selected (`tox -e lab9 -- -m harness` runs them)" in lines[-1]


def test_a_failure_names_the_test_and_its_reason_last(tmp_path):
    lines = session(tmp_path, True, "-m", "not harness")
    verdict = next(i for i, ln in enumerate(lines) if ln.startswith("mlflow-labs: "))
    assert lines[verdict].startswith("mlflow-labs: lab9 FAILED after "), lines[verdict:]
    assert "(1 passed, 1 failed, 0 skipped)" in lines[verdict]
    assert lines[verdict + 1:] == [
        "  test_lab9.py::test_maybe_broken: AssertionError: the server answered 404 for the run"], lines[verdict:]


def test_ci_selection_narrowed_by_k_says_nothing_was_left_out(tmp_path):
    """CI's -m keeps harness tests: one that -k deselects was not left out by the learner's selection."""
    lines = session(tmp_path, False, "-m", "harness or not harness", "-k", "not proves")
    assert "(2 passed, 0 failed, 0 skipped)" in lines[-1] and "not selected" not in lines[-1], lines[-1]


def test_everything_selected_says_nothing_was_left_out(tmp_path):
    lines = session(tmp_path, False)
    assert "(3 passed, 0 failed, 0 skipped)" in lines[-1] and "not selected" not in lines[-1], lines[-1]


README_FAILS = '''
import pytest

@pytest.fixture(scope="module")
def lab():
    raise RuntimeError("labs/lab9/README.md:12: block exited 1\\n$ mlflow-labs check lab9\\n--- output tail ---\\n"
                       "PASS  server answers\\nFAIL  run 'Run_v1' exists: no run\\n      hint: Step 4: run train.py\\n"
                       "1 passed, 1 failed")

def test_one(lab):
    pass

def test_two(lab):
    pass
'''


def test_a_readme_step_failing_in_a_shared_fixture_is_named_once_with_its_check_and_hint(tmp_path):
    (tmp_path / "test_lab9.py").write_text(README_FAILS)
    p = subprocess.run([sys.executable, "-m", "pytest", str(tmp_path), "-p", "no:cacheprovider", "-W", "ignore"],
                       cwd=tmp_path, capture_output=True, text=True, timeout=300,
                       env={**os.environ, "TOX_ENV_NAME": "lab9", "MLFLOW_LABS_REPORTS": str(tmp_path / "reports")})
    lines = p.stdout.rstrip().splitlines()
    verdict = next(i for i, ln in enumerate(lines) if ln.startswith("mlflow-labs: "))
    assert lines[verdict + 1:] == [
        "  test_lab9.py::test_one (and 1 more test(s), same error): RuntimeError: labs/lab9/README.md:12: block exited 1",
        "    FAIL  run 'Run_v1' exists: no run",
        "    hint: Step 4: run train.py"], lines[verdict:]


PROGRESS = '''
import pytest

@pytest.fixture(scope="session")
def slow_server(progress):
    progress("starting the slow server")
    yield

def test_waits(slow_server):
    pass
'''


def test_progress_lines_reach_the_terminal_through_pytests_capture(tmp_path):
    """With pytest's default (fd) capture, as tox runs it: the line is on the session's stderr while
    the fixture waits, not only in the captured output a failure would show."""
    (tmp_path / "test_wait.py").write_text(PROGRESS)
    p = subprocess.run([sys.executable, "-m", "pytest", str(tmp_path), "-p", "no:cacheprovider"], cwd=tmp_path,
                       env={**os.environ, "MLFLOW_LABS_REPORTS": str(tmp_path / "reports")},
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "s] starting the slow server" in p.stderr, p.stderr
