"""Adding a lab touches nothing shared: a throwaway lab 99 in a copy of the package (its package, its
labs/lab99-x/README.md, one line in labs.py) is listed by doctor, runs with `mlflow-labs run lab99`,
checks with `mlflow-labs check lab99`, replays by hand, and its pytest option and marker are there.
What every lab has the same (its run wrapper, by-hand table, port, marker, shared prerequisites) comes
from its spec; test_the_files_a_new_lab_needs counts what is left, the number README.md's "A new lab" gives."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import mlflow_labs
from mlflow_labs.settings import repo_root

pytestmark = pytest.mark.unit

LAB99 = {
    "__init__.py": '''
        """Lab 99: a throwaway lab, made by tests/unit/test_new_lab.py."""
        from mlflow_labs.harness.prereqs import Prereq
        from mlflow_labs.harness.spec import LabSpec

        SPEC = LabSpec(name="lab99", folder="lab99-x", title="A throwaway lab",
                       checks_module=f"{__name__}.checks", server_probe=f"{__name__}.checks:ensure_server",
                       scenario=f"{__name__}.scenario:Lab99Run",
                       prereqs=("PYTHON", Prereq("lab 99's own tool", lambda: "lab99-tool 1.0", "nothing to do")),
                       pytest_plugins=(f"{__name__}.pytest_hooks",))
        ''',
    "checks.py": '''
        from mlflow_labs.harness.suite import CheckResult


        def ensure_server(uri):  # lab 99 has no server to ask
            pass


        def run_checks(uri, **options):
            ok = uri.endswith("/good")
            return [CheckResult("the uri ends in /good", ok, uri, hint="Step 1: use the good one")]
        ''',
    "scenario.py": '''
        from mlflow_labs.harness.readme.runner import ReadmeRunner
        from mlflow_labs.harness.labrun import LabRun
        from mlflow_labs.lab99 import SPEC, checks


        class Lab99Run(LabRun):
            spec = SPEC  # handed its README by the skeleton (self.readme)

            def setup(self):
                self.docs = ReadmeRunner(self.readme, self.workdir, progress=self.progress)

            def steps(self):
                self.docs.run()
                self.check("lab99/checks.py", checks.run_checks("http://x/good"))
        ''',
    "pytest_hooks.py": '''
        def pytest_addoption(parser):
            parser.getgroup("mlflow-labs").addoption("--mlflow-labs-lab99-greeting", default="hello",
                                                     help="lab 99's own option")
        ''',
}
README = """# Lab 99

```bash
echo "lab 99 ran on port 7006" > ran.txt && cat ran.txt
```
"""
OPTIONAL = {"pytest_hooks.py"}   # lab 99 shows a lab's own pytest option; a lab without one needs no such file
NEEDED = 5   # README.md's "A new lab" says this number; it was 6 (a prereqs.py and a run() wrapper were the same in each)


@pytest.fixture(scope="module")
def copy(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("lab99")
    pkg = root / "src" / "mlflow_labs"
    shutil.copytree(Path(mlflow_labs.__file__).parent, pkg, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(repo_root() / "pyproject.toml", root / "pyproject.toml")
    (pkg / "lab99").mkdir()
    for name, text in LAB99.items():
        (pkg / "lab99" / name).write_text(textwrap.dedent(text).lstrip())
    (root / "labs" / "lab99-x").mkdir(parents=True)
    (root / "labs" / "lab99-x" / "README.md").write_text(README)
    # the one line in labs.py (and the lab in its import)
    registry = pkg / "labs.py"
    text = registry.read_text().replace("lab7\n", "lab7, lab99\n", 1).replace("    lab7.SPEC,\n", "    lab7.SPEC,\n    lab99.SPEC,\n", 1)
    assert "lab99.SPEC" in text and "lab7, lab99" in text, "labs.py's shape changed: update this test's one-line edit"
    registry.write_text(text)
    return root


def run(copy: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(copy / "src"), "MLFLOW_LABS_ROOT": str(copy),
           "MLFLOW_LABS_REPORTS": str(copy / "reports")}
    return subprocess.run([sys.executable, *args], cwd=copy, env=env, capture_output=True, text=True, timeout=600)


def test_the_files_a_new_lab_needs(copy):
    """Every file the copy adds or changes against the package and labs/: a lab's own, and the registry line."""
    original = Path(mlflow_labs.__file__).parent
    pkg = copy / "src" / "mlflow_labs"
    touched = sorted(str(p.relative_to(copy)) for p in pkg.rglob("*.py") if "__pycache__" not in p.parts
                     and (not (original / p.relative_to(pkg)).exists()
                          or (original / p.relative_to(pkg)).read_bytes() != p.read_bytes()))
    touched += [str(p.relative_to(copy)) for p in (copy / "labs").rglob("*") if p.is_file()]
    needed = [t for t in touched if Path(t).name not in OPTIONAL]
    assert needed == ["src/mlflow_labs/lab99/__init__.py", "src/mlflow_labs/lab99/checks.py",
                      "src/mlflow_labs/lab99/scenario.py", "src/mlflow_labs/labs.py", "labs/lab99-x/README.md"], touched
    assert len(needed) == NEEDED
    readme = (repo_root() / "README.md").read_text().split("A new lab runs", 1)[1].split("\n\n", 1)[0]
    assert readme.startswith(f" with {NEEDED} files"), "README.md's 'A new lab' must say how many files a new lab needs"


def test_it_replays_by_hand_with_the_specs_table(copy):
    p = run(copy, "-m", "mlflow_labs.cli", "run", "lab99", "--by-hand")
    assert p.returncode == 0, p.stdout + p.stderr
    assert "== lab99-by-hand: PASSED ==" in p.stdout and "port 7006 -> free port" in p.stdout, p.stdout


def test_doctor_lists_it(copy):
    p = run(copy, "-m", "mlflow_labs.cli", "doctor", "lab99")
    assert p.returncode == 0, p.stderr
    assert "lab 99's own tool" in p.stdout and "lab99-tool 1.0" in p.stdout, p.stdout
    assert run(copy, "-c", "import mlflow_labs; print(mlflow_labs.__file__)").stdout.startswith(str(copy))


def test_run_executes_its_readme(copy):
    p = run(copy, "-m", "mlflow_labs.cli", "run", "lab99")
    assert p.returncode == 0, p.stdout + p.stderr
    assert "== lab99: PASSED ==" in p.stdout and "README.md:3" in p.stdout, p.stdout
    assert (copy / "reports" / "lab99.json").is_file()


def test_check_runs_its_checks(copy):
    good = run(copy, "-m", "mlflow_labs.cli", "check", "lab99", "--tracking-uri", "http://x/good")
    assert good.returncode == 0 and "PASS  the uri ends in /good" in good.stdout, good.stdout + good.stderr
    bad = run(copy, "-m", "mlflow_labs.cli", "check", "lab99", "--tracking-uri", "http://x/bad")
    assert bad.returncode == 1 and "hint: Step 1: use the good one" in bad.stdout, bad.stdout + bad.stderr


def test_its_pytest_option_and_marker_are_there(copy):
    p = run(copy, "-m", "pytest", "-p", "no:cacheprovider", "--help")
    assert "--mlflow-labs-lab99-greeting" in p.stdout, p.stdout[-2000:] + p.stderr
    p = run(copy, "-m", "pytest", "-p", "no:cacheprovider", "--markers")
    assert "@pytest.mark.lab99: A throwaway lab" in p.stdout, p.stdout[-2000:] + p.stderr
