"""A learner's first command on a fresh clone: `tox -e unit` with a tox from a clean virtualenv (no plugin,
nothing else installed, no MLFLOW_LABS_* set) builds .venv itself (toxfile.py runs scripts/_venv.sh) and
runs the tests; a second run reuses .venv. Marked `harness`: CI runs it (scripts/test); a learner's
plain `tox -e unit` does not build a second clone. Reuses the machine's uv/pip caches."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mlflow_labs.labs import repo_root

pytestmark = [pytest.mark.unit, pytest.mark.harness]

ONE_FAST_TEST = "test_report"  # tests/unit/test_report.py: pure logic, a second or two


def _uv() -> str | None:
    """The uv scripts/_venv.sh would use (PATH, else its bootstrap copy), for a fast tox install."""
    boot = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "mlflow-labs/uv-bootstrap/bin/uv"
    return shutil.which("uv") or (str(boot) if boot.exists() else None)


def _learner_env() -> dict:
    """What a learner's shell has: none of this project's settings, no active virtualenv (nor its bin/ on PATH)."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("MLFLOW_LABS_", "TOX_", "VIRTUAL_ENV", "PYTEST_")) and k != "PYTHONPATH"}
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep)
                                  if p and not Path(p).resolve().is_relative_to(Path(sys.prefix).resolve()))
    return env


def _run(cmd, cwd, env, timeout=1800) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL)


def test_fresh_clone_tox_builds_the_env_and_runs(tmp_path):
    root = repo_root()
    head = _run(["git", "rev-parse", "HEAD"], root, os.environ).stdout.strip()
    clone = tmp_path / "mlflow-labs"
    subprocess.run(["git", "clone", "-q", str(root), str(clone)], check=True)
    subprocess.run(["git", "-C", str(clone), "checkout", "-q", head], check=True)
    env = _learner_env()
    env["UV_COMPILE_BYTECODE"] = "0"  # uv's own knob (scripts/_venv.sh compiles by default): this test starts no server

    toxenv = tmp_path / "tox-venv"
    if uv := _uv():
        subprocess.run([uv, "venv", "-q", "--python", sys._base_executable, str(toxenv)], check=True, env=env)
        subprocess.run([uv, "pip", "install", "-q", "--python", str(toxenv / "bin/python"), "tox"], check=True, env=env)
    else:
        subprocess.run([sys.executable, "-m", "venv", str(toxenv)], check=True)
        subprocess.run([str(toxenv / "bin/python"), "-m", "pip", "install", "-q", "tox"], check=True, env=env)
    plugins = _run([str(toxenv / "bin/python"), "-m", "pip", "list"] if not uv else
                   [uv, "pip", "list", "--python", str(toxenv / "bin/python")], tmp_path, env).stdout
    assert "tox-ignore-env-name-mismatch" not in plugins, "the tox under test must have no plugin"
    tox = str(toxenv / "bin/tox")

    first = _run([tox, "-e", "unit", "--", "-k", ONE_FAST_TEST], clone, env)
    out = first.stdout + first.stderr
    assert first.returncode == 0, out[-4000:]
    assert "installing the project into" in out and "environment ready in" in out, out[-4000:]  # _venv.sh built it
    assert "provision" not in out, "a bare tox must not provision itself into .tox/.tox"
    assert re.search(r"mlflow-labs: unit PASSED in \d+ s \([1-9]\d* passed, 0 failed", out), out[-3000:]
    assert (clone / ".venv/bin/mlflow-labs").exists()
    assert not (clone / ".tox/unit/bin").exists(), "tox made its own env instead of using .venv"

    # a second env name reuses .venv as it is: no install, no recreation
    second = _run([tox, "-e", "lab1", "--notest"], clone, env)
    out2 = second.stdout + second.stderr
    assert second.returncode == 0, out2[-3000:]
    assert "installing" not in out2 and "remove tox env folder" not in out2, out2[-3000:]
