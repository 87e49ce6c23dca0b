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


# how each case's child is interrupted:
#  - tool, readme-background: the CI's SIGTERM lands the moment the child exists but before Popen has handed it
#    back to the harness (the window in which a run once left a README block's bash behind);
#  - tool-grandchild: it lands while a block's bash waits for what it started;
#  - tool-timeout: no signal; the block outlives its timeout with a grandchild holding its output pipes
_CHILD = textwrap.dedent('''
    import os, signal, subprocess, sys, threading, time
    from pathlib import Path
    from mlflow_labs.harness.signals import terminate_like_interrupt
    from mlflow_labs.harness.tools import ToolError, run_tool
    from mlflow_labs.harness.readme.runner import ReadmeRunner

    terminate_like_interrupt()
    what, mark = sys.argv[1], sys.argv[2]
    if what in ("tool", "readme-background"):
        if hasattr(subprocess, "_fork_exec"):  # Python >= 3.11
            real, owner, name = subprocess._fork_exec, subprocess, "_fork_exec"
        else:
            import _posixsubprocess
            real, owner, name = _posixsubprocess.fork_exec, _posixsubprocess, "fork_exec"

        def fork_exec_then_sigterm(*args):
            pid = real(*args)
            os.kill(os.getpid(), signal.SIGTERM)
            return pid

        setattr(owner, name, fork_exec_then_sigterm)
    if what == "tool":
        run_tool(["sleep", mark])
    elif what == "readme-background":
        with ReadmeRunner(Path(sys.argv[3])) as docs:
            docs.run()
    elif what == "tool-grandchild":
        def sigterm_once_started():
            while not Path("started").exists():
                time.sleep(0.05)
            os.kill(os.getpid(), signal.SIGTERM)

        threading.Thread(target=sigterm_once_started, daemon=True).start()
        run_tool(["bash", "-c", f"touch started; sleep {mark}; true"])
    else:
        started = time.monotonic()
        try:
            run_tool(["bash", "-c", f"sleep {mark}; true"], timeout=2)
        except ToolError as exc:
            print(f"ToolError after {time.monotonic() - started:.0f} s: {exc}")
''')


@pytest.mark.parametrize("what", ["tool", "readme-background", "tool-grandchild", "tool-timeout"])
def test_an_interrupted_or_timed_out_process_leaves_nothing_behind(tmp_path, what):
    mark = f"{300 + os.getpid() % 1000}.{len(what)}"  # `sleep <mark>`: this test's process and no other
    (tmp_path / "child.py").write_text(_CHILD)
    readme = tmp_path / "README.md"
    readme.write_text(f"<!-- lab: background -->\n```bash\nsleep {mark}\n```\n")
    run = subprocess.run([sys.executable, str(tmp_path / "child.py"), what, mark, str(readme)], cwd=tmp_path,
                         capture_output=True, text=True, timeout=120)
    out = run.stdout + run.stderr
    started = [p for p in psutil.process_iter(["cmdline"]) if p.info["cmdline"] == ["sleep", mark]]
    try:
        if what == "tool-timeout":  # the one paragraph, at the timeout, not when the grandchild ends
            assert run.returncode == 0 and "ToolError after 2 s" in out and "timed out after 2 s" in out, out
        else:
            assert run.returncode != 0 and "KeyboardInterrupt: SIGTERM" in out, out
        _, alive = psutil.wait_procs(started, timeout=10)
        assert not alive, f"`sleep {mark}` outlived its run ({what}):\n{out}"
    finally:
        for p in started:
            try:
                p.kill()
            except psutil.Error:
                pass
