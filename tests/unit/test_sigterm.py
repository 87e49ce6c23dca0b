"""A SIGTERM (a CI timeout, `kill`) to a test run or to `mlflow-labs run` tears down like Ctrl-C: the
processes the run started in their own session (README background blocks) do not outlive it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import psutil
import pytest

pytestmark = pytest.mark.unit

# a test whose fixture starts a server-like process in its own session (as README background blocks
# are started), prints its pid, and stops it in the fixture's teardown
_SUITE = textwrap.dedent('''
    import pathlib, tempfile, time, pytest
    from mlflow_labs.harness.process import BackgroundProcess

    @pytest.fixture
    def server():
        log = pathlib.Path(tempfile.mkdtemp()) / "log"
        proc = BackgroundProcess(["sleep", "300"], log_path=log).start()
        print(f"STARTED {proc.proc.pid}", flush=True)
        yield proc
        proc.stop()

    def test_waits(server):
        print("WAITING", flush=True)
        time.sleep(300)
''')


def _wait_for_line(proc: subprocess.Popen, prefix: str, timeout: float = 60) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if line.startswith(prefix):
            return line
        if not line and proc.poll() is not None:
            break
    raise AssertionError(f"never printed {prefix!r}")


def test_sigterm_to_a_test_run_stops_what_its_fixtures_started(tmp_path):
    (tmp_path / "test_hold.py").write_text(_SUITE)
    run = subprocess.Popen([sys.executable, "-m", "pytest", "-s", "-q", "-p", "no:cacheprovider", str(tmp_path)],
                           cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           env={**os.environ, "PYTHONUNBUFFERED": "1"})
    pid = None
    try:
        pid = int(_wait_for_line(run, "STARTED").split()[1])
        _wait_for_line(run, "WAITING")  # the fixture's teardown is registered once the test body runs
        assert psutil.pid_exists(pid)
        run.send_signal(signal.SIGTERM)
        out, _ = run.communicate(timeout=60)
        # pytest reports an interrupted session (exit 2), having run the fixture's teardown
        assert run.returncode == 2, out
        assert "KeyboardInterrupt" in out, out
        gone, alive = psutil.wait_procs([psutil.Process(pid)], timeout=10) if psutil.pid_exists(pid) else ([], [])
        assert not alive, f"the process the test started (pid {pid}) outlived the SIGTERM"
    finally:
        run.kill()
        if pid and psutil.pid_exists(pid):
            os.killpg(pid, signal.SIGKILL)
