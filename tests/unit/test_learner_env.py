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
