"""scripts/provision-docker starts dockerd, which outlives it: the daemon must not inherit the caller's open files
(a CI runner waiting for its pipe to close, or holding a lock, would wait as long as dockerd runs). Run with
stand-ins on PATH for what it asks (docker: no daemon answers; pgrep: none running; sudo: as is) and for dockerd itself,
which records the files it was started with."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from mlflow_labs.labs import repo_root

pytestmark = pytest.mark.unit


def test_dockerd_is_started_with_none_of_the_callers_open_files(tmp_path):
    bin_ = tmp_path / "bin"
    bin_.mkdir()
    seen = tmp_path / "dockerd-fds"
    fakes = {"docker": "exit 1", "pgrep": "exit 1", "systemctl": "exit 0", "sudo": 'exec "$@"',  # as any user
             "dockerd": f'ls -l /proc/$$/fd >> "{seen}"'}
    for name, body in fakes.items():
        (bin_ / name).write_text(f"#!/bin/sh\n{body}\n")
        (bin_ / name).chmod(0o755)
    lock = tmp_path / "a-callers-lock"
    with lock.open("w") as held:
        env = {**os.environ, "PATH": f"{bin_}{os.pathsep}{os.environ['PATH']}", "DOCKER_WAIT": "2",
               "DOCKERD_LOG": str(tmp_path / "dockerd.log")}
        p = subprocess.run(["bash", str(repo_root() / "scripts" / "provision-docker")], env=env,
                           pass_fds=[held.fileno()], capture_output=True, text=True, timeout=60)
    assert p.returncode == 1 and "did not answer" in p.stderr, p.stderr   # the stand-in never answers
    assert seen.is_file() and "/dev/null" in seen.read_text(), p.stderr    # it was started, stdin from /dev/null
    assert str(lock) not in seen.read_text(), seen.read_text()
