"""Podman's runtime is chosen by trying, on whatever cgroup layout the machine has: a fake `podman` on
PATH behaves as Debian 12's does on each layout (crun refuses hybrid cgroups; runc runs; on pure v2 the
default runs), and the choice, the written containers.conf and doctor's line are what a user reads."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from mlflow_labs.errors import LabError
from mlflow_labs.infra import container_runtime as cr
from tests.command_line import cli

pytestmark = pytest.mark.unit

CRUN_ERROR = ("Error: OCI runtime error: crun: cgroups in hybrid mode not supported, drop all controllers "
              "from cgroupv2")

# a podman that, like 4.3.1 with crun 1.8.1, refuses every container on hybrid cgroups unless the runtime
# is runc (by --runtime, or by [engine] runtime = "runc" in the containers.conf it reads)
FAKE_PODMAN = textwrap.dedent(r'''
    #!/usr/bin/env bash
    layout="${FAKE_LAYOUT:-hybrid}"
    conf="${CONTAINERS_CONF:-/nonexistent}"
    runtime=crun
    grep -qs '^runtime = "runc"' "$conf" && runtime=runc
    if [ "$1" = "--runtime" ]; then runtime="$2"; shift 2; fi
    echo "$runtime $*" >> "$FAKE_LOG"
    case "$1" in
      --version) echo "podman version 4.3.1" ;;
      info) echo "$runtime" ;;
      run)
        if [ "$layout" = broken ]; then echo "Error: netavark: no such file" >&2; exit 125; fi
        if [ "$layout" = hybrid ] && [ "$runtime" = crun ]; then echo "CRUN_ERROR" >&2; exit 126; fi
        if [ "$runtime" = runc ] && [ -n "$FAKE_NO_RUNC" ]; then echo "Error: runc: executable file not found" >&2; exit 127; fi
        exit 0 ;;
      *) exit 0 ;;
    esac
''').lstrip().replace("CRUN_ERROR", CRUN_ERROR)


@pytest.fixture
def fake_podman(tmp_path, monkeypatch):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    exe = bin_dir / "podman"
    exe.write_text(FAKE_PODMAN)
    exe.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("FAKE_LOG", str(tmp_path / "calls.log"))
    cr.podman_status.cache_clear()
    yield tmp_path
    cr.podman_status.cache_clear()


HYBRID = """\
25 1 0:23 / /sys/fs/cgroup ro,nosuid - tmpfs tmpfs ro,mode=755
26 25 0:24 / /sys/fs/cgroup/unified rw,nosuid - cgroup2 cgroup2 rw
27 25 0:25 / /sys/fs/cgroup/memory rw,nosuid - cgroup cgroup rw,memory
28 25 0:26 / /sys/fs/cgroup/pids rw,nosuid - cgroup cgroup rw,pids
"""
UNIFIED = "25 1 0:23 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n"
LEGACY = "27 25 0:25 / /sys/fs/cgroup/memory rw,nosuid - cgroup cgroup rw,memory\n"


def test_cgroup_layout_is_read_from_the_mounts():
    assert cr.cgroup_layout(HYBRID) == "hybrid"
    assert cr.cgroup_layout(UNIFIED) == "v2"
    assert cr.cgroup_layout(LEGACY) == "v1"


def test_hybrid_cgroups_select_runc_once_and_keep_the_rest_of_containers_conf(fake_podman, monkeypatch):
    monkeypatch.setenv("FAKE_LAYOUT", "hybrid")
    conf = fake_podman / "containers.conf"
    conf.write_text('[containers]\ndefault_ulimits = ["nofile=4096:4096"]\n')
    choice = cr.choose_podman_runtime(write=True, conf=conf)
    assert (choice.runtime, choice.changed) == ("runc", True)
    assert "cgroups in hybrid mode not supported" in choice.message and "selected runc" in choice.message
    text = conf.read_text()
    assert 'default_ulimits = ["nofile=4096:4096"]' in text and '[engine]\nruntime = "runc"' in text
    # idempotent: the second run finds the default (now runc) working and writes nothing
    again = cr.choose_podman_runtime(write=True, conf=conf)
    assert not again.changed and conf.read_text() == text


def test_pure_cgroup_v2_keeps_the_default_runtime(fake_podman, monkeypatch):
    monkeypatch.setenv("FAKE_LAYOUT", "v2")
    conf = fake_podman / "containers.conf"
    choice = cr.choose_podman_runtime(write=True, conf=conf)
    assert (choice.runtime, choice.changed) == ("default", False)
    assert not conf.exists()
    assert "--runtime" not in (fake_podman / "calls.log").read_text()  # runc was never needed, never tried


def test_neither_runtime_working_is_one_error_with_both_causes(fake_podman, monkeypatch):
    monkeypatch.setenv("FAKE_LAYOUT", "hybrid")
    monkeypatch.setenv("FAKE_NO_RUNC", "1")
    conf = fake_podman / "containers.conf"
    with pytest.raises(LabError) as exc:
        cr.choose_podman_runtime(write=True, conf=conf)
    msg = str(exc.value)
    assert "cgroups in hybrid mode" in msg and "runc: executable file not found" in msg
    assert 'runtime = "runc"' in msg and not conf.exists()


def test_a_non_cgroup_failure_does_not_switch_runtimes(fake_podman, monkeypatch):
    monkeypatch.setenv("FAKE_LAYOUT", "broken")
    with pytest.raises(LabError, match="not a cgroup refusal"):
        cr.choose_podman_runtime(write=True, conf=fake_podman / "containers.conf")


def test_set_engine_runtime_edits_an_existing_engine_table():
    before = '[engine]\nruntime = "crun"\nevents_logger = "file"\n[network]\nx = 1\n'
    after = cr.set_engine_runtime(before, "runc")
    assert after == '[engine]\nruntime = "runc"\nevents_logger = "file"\n[network]\nx = 1\n'
    assert cr.set_engine_runtime('[engine]\nevents_logger = "file"\n', "runc").count('runtime = "runc"') == 1


def test_doctor_names_the_crun_problem_and_the_exact_fix(fake_podman, monkeypatch):
    """`mlflow-labs doctor lab2` on a hybrid-cgroup machine before provisioning (the real CLI, the fake podman)."""
    monkeypatch.setenv("FAKE_LAYOUT", "hybrid")
    p = cli("doctor", "lab2", env={"MLFLOW_LABS_SKIP_NETWORK_CHECKS": "1"})
    line = next(ln for ln in p.stdout.splitlines() if "podman runs a container" in ln)
    assert line.startswith("MISSING"), p.stdout
    assert "cgroups in hybrid mode not supported" in p.stdout
    assert "[engine]" in p.stdout and 'runtime = \\"runc\\"' in p.stdout or 'runtime = "runc"' in p.stdout
    assert "scripts/provision-k8s-tools" in p.stdout


def test_doctor_reports_the_runtime_when_podman_runs(fake_podman, monkeypatch):
    monkeypatch.setenv("FAKE_LAYOUT", "v2")
    p = cli("doctor", "lab2")
    line = next(ln for ln in p.stdout.splitlines() if "podman runs a container" in ln)
    assert line.startswith("ok") and "runtime crun: ran a container" in line, p.stdout


def test_prove_stops_with_one_paragraph_naming_the_cause(fake_podman, monkeypatch):
    monkeypatch.setenv("FAKE_LAYOUT", "hybrid")
    p = subprocess.run([sys.executable, "-m", "mlflow_labs.infra.container_runtime", "prove", "podman"],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 1
    assert "cgroups in hybrid mode not supported" in p.stderr
    assert "scripts/provision-k8s-tools" in p.stderr and 'runtime = "runc"' in p.stderr


def test_the_provisioning_entry_point_runs_on_the_standard_library_alone():
    """.ci/run and scripts/provision-k8s-tools run this module with the system's `python3` and
    PYTHONPATH=src, before the venv exists: nothing it imports may need a third-party package."""
    src = Path(cr.__file__).resolve().parents[2]
    # -S: no site-packages (the venv's, or the machine's), as on a bare machine's python3
    p = subprocess.run([sys.executable, "-S", "-m", "mlflow_labs.infra.container_runtime", "layout"],
                       env={**os.environ, "PYTHONPATH": str(src)}, capture_output=True, text=True, timeout=60)
    assert p.returncode == 0 and p.stdout.strip(), p.stdout + p.stderr
