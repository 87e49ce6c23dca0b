"""Issue 20: a learner's `tox -e lab1` whose README step fails ends with the verdict naming that README
line, the failing check and its hint (the fix), as `mlflow-labs run` does. Run for real: the project's
tox.ini and toxfile runner in a throwaway copy of the checkout whose lab 1 README has one claim broken
(tests/readme_mutation.py's machinery), on this test's own environment (nothing to install)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mlflow_labs.lab1 import checks
from mlflow_labs.labs import get_lab, repo_root
from tests.lab1.test_readme_mutations import MUTATIONS
from tests.readme_mutation import check_block_line

pytestmark = [pytest.mark.lab1, pytest.mark.harness]

CASE = "alpha logged as 0.6"


def copy_with_broken_readme(root: Path) -> Path:
    """The files `tox -e lab1` reads (tox.ini, toxfile.py, pyproject.toml, the lab 1 tests and lab folder),
    the README with CASE's claim broken, and a _venv.sh with nothing to build (the env is this test's)."""
    src = repo_root()
    for name in ("tox.ini", "toxfile.py", "pyproject.toml", "conftest.py"):
        shutil.copy(src / name, root / name)
    (root / "scripts").mkdir()
    (root / "scripts" / "_venv.sh").write_text(": # the env already exists (this test's own)\n")
    (root / "tests" / "lab1").mkdir(parents=True)
    for name in ("tests/__init__.py", "tests/lab_command.py", "tests/lab1/__init__.py", "tests/lab1/conftest.py",
                 "tests/lab1/test_lab1.py"):
        shutil.copy(src / name, root / name)
    lab = get_lab("lab1").readme.parent
    shutil.copytree(lab, root / "labs" / lab.name)
    readme = root / "labs" / lab.name / "README.md"
    m = MUTATIONS[CASE]
    assert readme.read_text().count(m.original) == 1, f"the README no longer contains {m.original!r}; update this test"
    readme.write_text(readme.read_text().replace(m.original, m.broken))
    return readme


def test_a_failing_readme_step_is_named_in_the_tox_verdict_with_its_fix(tmp_path, progress):
    readme = copy_with_broken_readme(tmp_path)
    where = f"{readme.relative_to(tmp_path)}:{check_block_line(readme, 'lab1')}"
    failing = MUTATIONS[CASE].check
    hint = next(c.hint for c in checks.suite.checks if c.name == failing)
    # a learner's shell: tox from this environment, no selection or reports dir of CI's (the cost file stays: what
    # the nested run spends is this env's)
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_LABS_") or k == "MLFLOW_LABS_COST_FILE"}
    env.update(MLFLOW_LABS_VENV=sys.prefix, MLFLOW_LABS_REPORTS=str(tmp_path / "reports"),
               PATH=f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}")
    progress(f"tox -e lab1 on a copy whose README has {CASE} (the README runs up to its check line)")
    p = subprocess.run(["tox", "-e", "lab1", "--", "-k", "test_checks_pass"], cwd=tmp_path, env=env,
                       capture_output=True, text=True, timeout=900, stdin=subprocess.DEVNULL)
    out = p.stdout + p.stderr
    assert p.returncode != 0, out[-3000:]
    lines = out.splitlines()
    at = next((i for i, ln in enumerate(lines) if ln.startswith("mlflow-labs: lab1 FAILED after")), None)
    assert at is not None, f"no FAILED verdict line:\n{out[-3000:]}"
    verdict = "\n".join(lines[at:at + 6])
    assert where in lines[at + 1], verdict              # the README line that failed, right under the verdict
    assert f"FAIL  {failing}" in verdict, verdict        # what the check found
    assert f"hint: {hint}" in verdict, verdict           # and the fix: the step to revisit
