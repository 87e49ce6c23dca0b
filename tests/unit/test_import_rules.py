"""The dependency rules (pyproject.toml's [tool.importlinter]): errors < settings < harness < infra < labN < registry
< cli/plugin/doctor/grade, and no lab importing another. `lint-imports` passes on the package, and fails,
naming the file and line, on a copy where a lab imports the registry or another lab."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import mlflow_labs
from mlflow_labs.settings import repo_root

pytestmark = pytest.mark.unit

LINT = Path(sys.executable).with_name("lint-imports")
PACKAGE = Path(mlflow_labs.__file__).parent


def lint(root: Path, src: Path) -> subprocess.CompletedProcess:
    """`lint-imports` with ``root``'s contracts over the package found in ``src``."""
    env = {**os.environ, "PYTHONPATH": str(src)}
    return subprocess.run([str(LINT), "--config", str(root / "pyproject.toml"), "--no-cache"], cwd=root, env=env,
                          capture_output=True, text=True, timeout=300)


def test_the_package_keeps_every_contract():
    p = lint(repo_root(), PACKAGE.parent)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "0 broken" in p.stdout and "Layers" in p.stdout and "never imports another lab" in p.stdout, p.stdout


def test_every_registered_lab_is_held_by_both_contracts():
    """import-linter names modules one by one: a lab missing from the contracts would simply not be held."""
    import tomllib
    from mlflow_labs.labs import LABS
    contracts = tomllib.loads((repo_root() / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]
    layers = next(c for c in contracts if c["type"] == "layers")
    independent = next(c for c in contracts if c["type"] == "independence")
    lab_layer = {m.strip() for layer in layers["layers"] for m in layer.split("|")}
    for name in LABS:
        module = f"mlflow_labs.{name}"
        assert module in lab_layer, f"{module} is missing from pyproject's layers contract (the labN layer)"
        assert module in independent["modules"], f"{module} is missing from pyproject's independence contract"


@pytest.fixture
def copy(tmp_path) -> Path:
    """A copy of the package (and the contracts) to break on purpose."""
    shutil.copytree(PACKAGE, tmp_path / "src" / "mlflow_labs", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(repo_root() / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def _add_import(copy: Path, module: str, line: str) -> int:
    """Append ``line`` to the copy's ``module`` (a path under mlflow_labs/); returns its line number."""
    f = copy / "src" / "mlflow_labs" / module
    text = f.read_text()
    f.write_text(text + ("" if text.endswith("\n") else "\n") + line + "\n")
    return len(f.read_text().splitlines())


@pytest.mark.parametrize("module,line,arrow", [
    ("lab1/checks.py", "from mlflow_labs.labs import get_lab  # noqa", "mlflow_labs.lab1.checks -> mlflow_labs.labs"),
    ("lab2/pods.py", "from mlflow_labs.lab3 import scenario  # noqa", "mlflow_labs.lab2.pods -> mlflow_labs.lab3.scenario"),
    ("harness/readme/runner.py", "from mlflow_labs.infra import docker_engine  # noqa",
     "mlflow_labs.harness.readme.runner -> mlflow_labs.infra.docker_engine"),
])
def test_a_wrong_import_fails_naming_its_line(copy, module, line, arrow):
    lineno = _add_import(copy, module, line)
    p = lint(copy, copy / "src")
    assert p.returncode != 0, p.stdout
    assert f"{arrow} (l.{lineno})" in p.stdout, p.stdout
