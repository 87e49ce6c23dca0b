"""Lab 2 infra without a cluster: the commands built, errors raised, cleanup paths, and readiness waits.

No test here asserts on what a cluster answers. Commands are recorded, not executed, where running
them would need kind or helm; everything else runs for real (subprocesses, a loopback HTTP server).
"""

from __future__ import annotations

import sys

import pytest

from mlflow_labs.errors import LabError, PrerequisiteMissing, StartupError
from mlflow_labs.infra.kind import KindCluster, unique_name
from mlflow_labs.infra.kube import release_selector, wait_until
from mlflow_labs.harness.tools import ToolError, ToolResult, require_tool, run_tool

pytestmark = pytest.mark.unit


class Recorder:
    """Stands in for run_tool: records each command; raises ToolError for commands matching ``fail``."""

    def __init__(self, fail: str | None = None):
        self.calls: list[list[str]] = []
        self.fail = fail

    def __call__(self, args, **kw):
        args = [str(a) for a in args]
        self.calls.append(args)
        if self.fail and self.fail in " ".join(args):
            raise ToolError(args, 1, "", "ERROR: failed to create cluster: node image pull failed")
        return ToolResult(args, 0, "", "")


# -- tools -----------------------------------------------------------------------------------------
def test_tool_error_carries_command_and_stderr():
    with pytest.raises(ToolError) as err:
        run_tool([sys.executable, "-c", "import sys; sys.stderr.write('boom: no such cluster\\n'); sys.exit(3)"])
    msg = str(err.value)
    assert "exited 3" in msg and "boom: no such cluster" in msg and "sys.exit(3)" in msg
    assert err.value.returncode == 3


def test_tool_timeout_is_reported_with_the_command():
    with pytest.raises(ToolError, match=r"timed out after 1 s"):
        run_tool([sys.executable, "-c", "import time; time.sleep(30)"], timeout=1)


def test_missing_tool_names_its_install_command(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(PrerequisiteMissing) as err:
        require_tool("kind")
    assert "`kind` is not on PATH" in str(err.value) and "sigs.k8s.io/kind" in err.value.fix


# -- kind ---------------------------------------------------------------------------------------------------
def test_unique_names_are_unique_and_valid():
    names = {unique_name("lab2") for _ in range(50)}
    assert len(names) == 50
    assert all(n.startswith("lab2-") and n == n.lower() and len(n) < 40 for n in names)


def test_kind_commands_use_the_private_kubeconfig():
    rec = Recorder()
    c = KindCluster("lab2-abc", node_image="kindest/node:v1.31.0", runner=rec)
    kc = str(c.kubeconfig)
    assert c.kubeconfig.parent.is_dir() and "lab2-abc" in kc
    assert c.env == {"KUBECONFIG": kc}
    c.create()
    c.load_docker_image("burakince/mlflow:3.15.1")
    c.kubectl("get", "pods", "-A")
    c.delete()
    assert rec.calls == [
        ["kind", "create", "cluster", "--name", "lab2-abc", "--kubeconfig", kc, "--wait", "180s",
         "--image", "kindest/node:v1.31.0"],
        ["kind", "load", "docker-image", "burakince/mlflow:3.15.1", "--name", "lab2-abc"],
        ["kubectl", "--kubeconfig", kc, "get", "pods", "-A"],
        ["kind", "delete", "cluster", "--name", "lab2-abc", "--kubeconfig", kc],
    ]
    assert not c.kubeconfig.parent.exists(), "the temp dir holding the kubeconfig was left behind"


def test_failed_create_deletes_the_half_made_cluster_and_reraises():
    rec = Recorder(fail="create cluster")
    c = KindCluster("lab2-fail", runner=rec)
    with pytest.raises(ToolError, match="node image pull failed"):
        c.create()
    assert rec.calls[-1][:3] == ["kind", "delete", "cluster"] and "lab2-fail" in rec.calls[-1]
    assert not c.created
    assert not c.kubeconfig.parent.exists(), "the temp dir holding the kubeconfig was left behind"


def test_context_manager_deletes_when_the_body_fails():
    rec = Recorder()
    with pytest.raises(RuntimeError):
        with KindCluster("lab2-body", runner=rec, create_on_enter=True):
            raise RuntimeError("a check failed")
    assert [c[:3] for c in rec.calls] == [["kind", "create", "cluster"], ["kind", "delete", "cluster"]]


def test_keep_leaves_the_cluster_and_says_how_to_remove_it():
    rec, said = Recorder(), []
    with KindCluster("lab2-keep", runner=rec, keep=True, create_on_enter=True, progress=said.append) as c:
        pass
    assert [c_[:3] for c_ in rec.calls] == [["kind", "create", "cluster"]]
    assert c.kubeconfig.parent.exists()
    assert any("kind delete cluster --name lab2-keep" in s for s in said)
    c.keep = False
    c.__exit__(None, None, None)


def test_api_client_without_kubeconfig_is_a_clear_error():
    c = KindCluster("lab2-none", runner=Recorder())
    with pytest.raises(LabError, match="has no kubeconfig"):
        c.api_client()
    c.delete()


def test_release_selector_matches_the_chart_labels():
    assert release_selector("mlflow") == "app.kubernetes.io/name=mlflow,app.kubernetes.io/instance=mlflow"


# -- waits -----------------------------------------------------------------------------------------------------------
class Clock:
    def __init__(self):
        self.t = 0.0

    def __call__(self):
        return self.t

    def sleep(self, s):
        self.t += s


def test_wait_until_returns_the_first_value():
    clock, states = Clock(), iter([(None, "Pending"), (None, "ContainerCreating"), (["pod-1"], "Ready")])
    assert wait_until(lambda: next(states), timeout=60, what="pods", clock=clock, sleep=clock.sleep) == ["pod-1"]
    assert clock.t == 2.0


def test_wait_until_timeout_names_the_last_state():
    clock = Clock()
    with pytest.raises(StartupError, match=r"waiting for the mlflow pod\. Last state: init container dbchecker waiting"):
        wait_until(lambda: (None, "init container dbchecker waiting"), timeout=10, what="the mlflow pod",
                   clock=clock, sleep=clock.sleep)
    assert clock.t == 10.0


def test_wait_until_treats_api_errors_as_state_not_failure():
    clock, calls = Clock(), []

    def probe():
        calls.append(1)
        if len(calls) < 3:
            raise ConnectionError("apiserver not ready")
        return "ok", "done"
    assert wait_until(probe, timeout=60, what="x", clock=clock, sleep=clock.sleep) == "ok"
