"""The by-hand replays' learner shell: MLflow's telemetry is off there (its thread raced the learner's
client on this offline machine: KeyError '_MLFLOW_TELEMETRY_SESSION_ID' in `python train.py`)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from mlflow_labs.harness.readme.learner_env import learner_env

pytestmark = pytest.mark.unit


def test_mlflow_sees_telemetry_off_in_the_learner_shell(tmp_path):
    env = learner_env(tmp_path, Path(sys.executable).parent, None)
    asked = subprocess.run([sys.executable, "-c", "from mlflow.telemetry.utils import is_telemetry_disabled as off; "
                                                  "print(off())"], env=env, capture_output=True, text=True, timeout=120)
    assert asked.stdout.strip() == "True", asked.stdout + asked.stderr
    assert not [k for k in env if k.startswith("MLFLOW")], "the learner's shell carries nothing of MLflow's config"


def test_the_replays_share_only_pips_and_npms_download_caches(tmp_path):
    """Downloads, not installs: each fresh HOME finds the wheels and packages an earlier replay fetched; the
    folders are open to the unprivileged learner of lab 3's local route (sticky, like /tmp)."""
    import stat
    env = learner_env(tmp_path, Path(sys.executable).parent, None)
    for var in ("PIP_CACHE_DIR", "npm_config_cache"):
        folder = Path(env[var])
        assert folder.is_dir() and not folder.is_relative_to(tmp_path), env[var]
        assert stat.S_IMODE(folder.stat().st_mode) & 0o1777 == 0o1777, oct(folder.stat().st_mode)
    assert not [k for k in env if k.startswith(("PIP_", "npm_")) and k not in ("PIP_CACHE_DIR", "npm_config_cache")]


def test_the_install_key_is_what_the_venv_installs_not_what_building_it_wrote(tmp_path):
    """CI builds the learner's venv while provisioning and the replays look it up by this key later: the
    egg-info and bytecode the build writes into src/ must not make it another key (a second build)."""
    from mlflow_labs.harness.readme.learner_env import install_key

    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    (tmp_path / "src" / "x").mkdir(parents=True)
    (tmp_path / "src" / "x" / "__init__.py").write_text("A = 1\n")
    key = install_key(tmp_path)
    for written in ("x.egg-info/SOURCES.txt", "x/__pycache__/__init__.cpython-311.pyc"):
        (tmp_path / "src" / written).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "src" / written).write_text("written by a build")
    assert install_key(tmp_path) == key
    (tmp_path / "src" / "x" / "__init__.py").write_text("A = 2\n")
    assert install_key(tmp_path) != key  # the code changed: another venv


def test_a_new_learner_venv_prunes_the_ones_unused_for_days_and_nothing_else(tmp_path):
    import os
    import time

    from mlflow_labs.harness.readme.learner_env import UNUSED_DAYS, prune_unused

    def venv(key: str, age_days: float | None) -> Path:
        d = tmp_path / f"mlflow-labs-learner-venv-{key}"
        d.mkdir()
        if age_days is not None:  # None: half-built (no .ready yet)
            (d / ".ready").write_text("")
            t = time.time() - age_days * 86400
            os.utime(d / ".ready", (t, t))
        return d

    new, old, recent, building = venv("new", 0), venv("old", UNUSED_DAYS + 1), venv("recent", 0.5), venv("building", None)
    other = tmp_path / "someone-elses"
    other.mkdir()
    prune_unused(new)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in (new, recent, building, other))
