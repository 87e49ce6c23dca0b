"""What a proof costs is counted where it is spent (harness/cost.py): a README run whole or partial, an
MLflow server a README block starts, and scripts/test reaps each env with the CPU seconds of its tree."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import textwrap
import time

import pytest

from mlflow_labs.harness import cost
from mlflow_labs.harness.readme.runner import ReadmeRunner
from mlflow_labs.labs import repo_root

pytestmark = pytest.mark.unit

README = textwrap.dedent("""\
    ```bash
    echo one
    ```

    <!-- lab: background -->
    ```bash
    sleep 60  # stands in for: mlflow ui --port 7006
    ```

    ```bash
    echo two
    ```
    """)


@pytest.fixture
def counted(tmp_path, monkeypatch):
    path = tmp_path / "cost.jsonl"
    monkeypatch.setenv("MLFLOW_LABS_COST_FILE", str(path))
    return lambda: cost.totals(cost.read(path))


def readme(tmp_path):
    p = tmp_path / "README.md"
    p.write_text(README)
    return p


def test_a_whole_readme_run_and_its_server_are_counted_once_each(tmp_path, counted):
    with ReadmeRunner(readme(tmp_path), tmp_path / "work") as docs:
        docs.run()
    assert counted() == {cost.SERVER: 1, cost.README_WHOLE: 1, cost.README_PARTIAL: 0, cost.BROWSER: 0}


def test_a_run_that_stops_early_is_partial(tmp_path, counted):
    with ReadmeRunner(readme(tmp_path), tmp_path / "work") as docs:
        docs.run(stop_before_line=5)  # the first block only: no server started
    assert counted() == {cost.SERVER: 0, cost.README_WHOLE: 0, cost.README_PARTIAL: 1, cost.BROWSER: 0}


def test_nothing_is_counted_without_the_setting(tmp_path, monkeypatch):
    monkeypatch.delenv("MLFLOW_LABS_COST_FILE", raising=False)
    with ReadmeRunner(readme(tmp_path), tmp_path / "work") as docs:
        docs.run(stop_before_line=5)
    assert not list(tmp_path.glob("*.jsonl"))


def test_each_event_names_the_test_that_paid_for_it(tmp_path, counted):
    cost.count(cost.BROWSER, "here")
    [event] = cost.read(tmp_path / "cost.jsonl")
    assert event["test"].endswith("test_each_event_names_the_test_that_paid_for_it"), event
    assert cost.by_test([event], cost.BROWSER) == {event["test"]: 1}


def test_an_env_is_reaped_with_the_cpu_seconds_of_its_whole_tree():
    spec = importlib.util.spec_from_file_location("run_envs", repo_root() / "scripts" / "_run_envs.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    # the CPU is spent by a grandchild (bash -> python), as a README's command is under tox and pytest
    burn = f"{sys.executable} -c 'import time; t = time.process_time(); exec(\"while time.process_time() - t < 1.5: pass\")'"
    proc = subprocess.Popen(["bash", "-c", f"{burn}; true"])
    while (cpu := mod.reaped_cpu_seconds(proc)) is None:
        time.sleep(0.05)
    assert proc.returncode == 0
    assert cpu >= 1.4, cpu


def test_the_cpu_of_an_envs_orphan_is_counted_by_its_marker(tmp_path):
    """A process an env left behind when its parent exited (a server `run --keep-infra` kept for the tests) is
    no longer below the env's tox: it is found by the env's MLFLOW_LABS_COST_FILE in its environment."""
    import os
    import signal
    spec = importlib.util.spec_from_file_location("run_envs", repo_root() / "scripts" / "_run_envs.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    marker = str(tmp_path / "cost-orphan.jsonl")
    pidfile = tmp_path / "pid"
    burn = f"{sys.executable} -c 'while True: pass'"
    # the burner's parent (bash) exits at once: the burner is re-parented, out of this process's tree
    subprocess.run(["bash", "-c", f"{burn} & echo $! > {pidfile}"], env={**os.environ, "MLFLOW_LABS_COST_FILE": marker},
                   check=True)
    watch = mod.PeakMemory({"orphaned": marker, "other": str(tmp_path / "cost-other.jsonl")})
    watch.start()
    try:
        deadline = time.monotonic() + 30
        while watch.orphans("orphaned") < 0.5 and time.monotonic() < deadline:
            time.sleep(0.5)
    finally:
        watch.stop()
        os.kill(int(pidfile.read_text()), signal.SIGKILL)
    assert watch.orphans("orphaned") >= 0.5
    assert watch.orphans("other") == 0
