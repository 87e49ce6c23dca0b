"""A lab's session says PASSED only when the lab's own README run happened (harness/verdict.py): a `tox -e lab2`
with no chart in reach, where every test that runs the README skipped, ends NOT RUN, naming the README, why
(the skips' reasons, with the fix) and exits non-zero; skips beside a README run that did happen (CI's kind
skips) still pass. The same rule for every lab: throwaway sessions as lab1 and lab5, on a copy of labs/."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from mlflow_labs.lab2 import chart as cv
from mlflow_labs.settings import repo_root

pytestmark = pytest.mark.unit


def pytest_session(args: list[str], *, env_name: str, cwd, extra_env: dict | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "TOX_ENV_NAME": env_name, **(extra_env or {})}
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-W", "ignore", *args],
                          cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


def verdict(p: subprocess.CompletedProcess, exit_status: int | None = None) -> list[str]:
    """The session's verdict line and the lines under it (after checking its exit status, when given)."""
    assert exit_status is None or p.returncode == exit_status, p.stdout[-3000:]
    lines = p.stdout.rstrip().splitlines()
    return lines[next(i for i, ln in enumerate(lines) if ln.startswith("mlflow-labs: ") and " skipped for lack" not in ln):]


def test_lab2_without_its_chart_is_not_run_and_exits_non_zero(tmp_path):
    """The issue's case: the chart is nowhere, so lab 2's README never ran; 'PASSED' would be a lie."""
    p = pytest_session(["tests/lab2/test_chart_values.py"], env_name="lab2", cwd=repo_root(),
                       extra_env={cv.CHART_ENV: str(tmp_path / "no-such-chart"), "MLFLOW_LABS_REPORTS": str(tmp_path)})
    lines = verdict(p, exit_status=1)
    assert lines[0].startswith("mlflow-labs: lab2 NOT RUN after "), lines
    assert "the lab's own run (README.md in lab2-kind-helm/) did not happen" in lines[0], lines
    # why, with the fix: the skip's own reason (the chart, or helm where even helm is missing)
    assert any(("chart" in ln or "helm" in ln) and "test(s))" in ln for ln in lines[1:]), lines


THROWAWAY = '''
import pytest
from mlflow_labs.harness.readme.runner import ReadmeRunner
from mlflow_labs.labs import get_lab


def test_bad_input_needs_no_server():
    pass


def test_the_lab_run():
    if {missing}:
        pytest.skip("Docker is not running here. Fix: sudo scripts/provision-docker")
    with ReadmeRunner(get_lab("{lab}").readme, display_root=get_lab("{lab}").dir.parent) as docs:
        docs.run()


def test_a_kind_cluster():
    pytest.skip("kind cannot run on this machine (no node image). Fix: run it where kind runs")
'''


def throwaway(tmp_path, lab: str, missing: bool, *args: str) -> subprocess.CompletedProcess:
    """A session as `tox -e LAB` on a copy of the checkout whose LAB README is one echo (no server)."""
    root = tmp_path / "checkout"
    from mlflow_labs.labs import get_lab
    folder = root / "labs" / get_lab(lab).folder
    folder.mkdir(parents=True)
    (folder / "README.md").write_text("# a lab\n\n```bash\necho the lab ran\n```\n")
    (root / "pyproject.toml").write_text("")
    tests = tmp_path / "tests"
    tests.mkdir()
    (tests / "test_lab.py").write_text(THROWAWAY.format(missing=missing, lab=lab))
    (tests / "pytest.ini").write_text("[pytest]\n")
    return pytest_session(["-c", str(tests / "pytest.ini"), "--rootdir", str(tests), str(tests), *args], env_name=lab,
                          cwd=tmp_path, extra_env={"MLFLOW_LABS_ROOT": str(root),
                                                   "MLFLOW_LABS_REPORTS": str(tmp_path / "reports")})


@pytest.mark.parametrize("lab", ["lab1", "lab5"])
def test_a_lab_whose_prerequisite_is_missing_is_not_run(tmp_path, lab):
    lines = verdict(throwaway(tmp_path, lab, missing=True), exit_status=1)
    assert lines[0].startswith(f"mlflow-labs: {lab} NOT RUN after ") and "(1 passed, 0 failed, 2 skipped)" in lines[0], lines
    assert "  Docker is not running here. Fix: sudo scripts/provision-docker (1 test(s))" in lines, lines


@pytest.mark.parametrize("lab", ["lab1", "lab5"])
def test_allowed_skips_beside_the_labs_own_run_pass(tmp_path, lab):
    lines = verdict(throwaway(tmp_path, lab, missing=False), exit_status=0)
    assert lines[0].startswith(f"mlflow-labs: {lab} PASSED in ") and "(2 passed, 0 failed, 1 skipped)" in lines[0], lines


def test_a_selection_that_leaves_the_run_out_says_so(tmp_path):
    lines = verdict(throwaway(tmp_path, "lab1", False, "-k", "bad_input"), exit_status=1)
    assert any("the selection (-k, -m) left it out" in ln for ln in lines), lines


def test_harness_proofs_alone_are_not_the_labs_verdict(tmp_path):
    """`tox -e labN -- -m harness` selects only harness proofs: no lab run is expected of it."""
    p = throwaway(tmp_path, "lab1", True, "-m", "harness")
    assert "NOT RUN" not in p.stdout, p.stdout[-2000:]


def test_a_collection_only_session_is_not_judged(tmp_path):
    """`pytest --collect-only` inside `tox -e lab3` (tests/lab3/test_learner_selection.py does) runs nothing."""
    p = throwaway(tmp_path, "lab1", True, "--collect-only", "-q")
    assert p.returncode == 0 and "NOT RUN" not in p.stdout, p.stdout[-2000:]
