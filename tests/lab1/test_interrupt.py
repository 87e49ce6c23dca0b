"""`mlflow-labs run lab1` killed by SIGTERM (a CI timeout, `kill`) while the README's server runs:
it tears down like Ctrl-C, says 'interrupted', and leaves no process behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import psutil
import pytest

from mlflow_labs.labs import repo_root

pytestmark = [pytest.mark.lab1, pytest.mark.harness]


def test_sigterm_during_a_run_stops_the_readme_server(tmp_path):
    run = subprocess.Popen([sys.executable, "-m", "mlflow_labs.cli", "run", "lab1", "--reports", str(tmp_path)],
                           cwd=repo_root(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           env={**os.environ, "PYTHONUNBUFFERED": "1"})
    started: list[psutil.Process] = []
    try:
        deadline = time.monotonic() + 300
        server_started = False
        for line in run.stdout:
            # the README step after the server start begins once the server answers: its workers are up
            if server_started and "README.md:" in line and "waiting for" not in line:
                break
            server_started = server_started or ("started in background:" in line and "mlflow ui" in line)
            assert time.monotonic() < deadline, "the README's server was never started"
        else:
            pytest.fail(f"the run ended (exit {run.wait()}) before its server started")
        # everything the run has started by now, the README's server and its workers among it
        started = psutil.Process(run.pid).children(recursive=True)
        assert any("mlflow" in " ".join(p.cmdline()) for p in started if p.is_running()), started
        run.send_signal(signal.SIGTERM)
        rest, _ = run.communicate(timeout=120)
        assert run.returncode == 130, rest
        assert rest.rstrip().endswith("interrupted"), rest
        assert "Traceback" not in rest, rest
        _, alive = psutil.wait_procs(started, timeout=15)
        assert not alive, f"outlived the SIGTERM: {[(p.pid, p.cmdline()) for p in alive]}"
    finally:
        run.kill()
        for p in started:
            try:
                p.kill()
            except psutil.Error:
                pass
