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
