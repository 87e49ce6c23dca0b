"""The learner's command line: real subprocesses, asserting on exit codes and what is printed."""

from __future__ import annotations

import http.server
import json
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from mlflow_labs.labs import repo_root
from mlflow_labs.harness.net import free_port

pytestmark = pytest.mark.lab1


def cli(*args, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mlflow_labs.cli", *args], capture_output=True, text=True,
                          timeout=kw.pop("timeout", 120), **kw)


def test_unreachable_tracking_uri_is_one_line_exit_2():
    p = cli("check", "lab1", "--tracking-uri", f"http://127.0.0.1:{free_port()}")
    assert p.returncode == 2
    assert "Traceback" not in p.stderr
    assert len(p.stderr.strip().splitlines()) == 1
    assert "Cannot reach the MLflow server" in p.stderr


def test_a_server_that_is_not_mlflow_is_exit_2(tmp_path):
    handler = lambda *a, **k: http.server.SimpleHTTPRequestHandler(*a, directory=str(tmp_path), **k)  # noqa: E731
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        p = cli("check", "lab1", "--tracking-uri", f"http://127.0.0.1:{httpd.server_port}")
    finally:
        httpd.shutdown()
    assert p.returncode == 2
    assert "Traceback" not in p.stderr
    assert "not an MLflow tracking server" in p.stderr


def test_unknown_lab_lists_known_labs():
    p = cli("check", "lab9", "--tracking-uri", "http://127.0.0.1:1")
    assert p.returncode == 2
    for lab in ("lab1", "lab2", "lab3", "lab4"):
        assert lab in p.stderr


@pytest.mark.harness
def test_check_against_empty_server_fails_with_hints(empty_mlflow_server):
    p = cli("check", "lab1", "--tracking-uri", empty_mlflow_server.uri)
    assert p.returncode == 1
    assert "FAIL" in p.stdout and "hint: Step" in p.stdout


def test_doctor_lists_every_prerequisite():
    p = cli("doctor")
    assert p.returncode == 0
    for name in ("mlflow", "Docker daemon", "kind", "helm", "podman", "kubectl", "PostgreSQL", "git", "dvc", "Python",
                 "chromium", "mlflow[auth]"):
        assert name in p.stdout, name
    # each absent one carries its fix
    for line in p.stdout.splitlines():
        if line.startswith("MISSING"):
            assert "fix:" in p.stdout.split(line, 1)[1].splitlines()[1]


@pytest.mark.harness
def test_run_lab1_end_to_end_writes_report(tmp_path):
    """What the README's first command does: start everything, run the README, check, restart, check."""
    p = cli("run", "lab1", "--reports", str(tmp_path), timeout=900, cwd=repo_root())
    assert p.returncode == 0, p.stdout + p.stderr
    data = json.loads(Path(tmp_path, "lab1.json").read_text())
    assert data["ok"] is True
    wheres = [s["where"] for s in data["steps"]]
    assert any(w.startswith("labs/lab1-sqlite-local/README.md:") for w in wheres)
    assert any("after restart" in w for w in wheres)
    restart = [s for s in data["steps"] if s["step"] == "a new server process answers after the restart"]
    assert [s["status"] for s in restart] == ["passed"], restart
    assert all(isinstance(s["seconds"], (int, float)) for s in data["steps"])
    assert {"steps", "checks", "server restart", "teardown"} <= set(data["phases"])
    assert "step" in p.stdout and "README.md:" in p.stdout  # the table a learner sees


@pytest.mark.harness
def test_run_with_an_unexpected_failure_is_one_paragraph_report_written_infra_removed(tmp_path, monkeypatch, capsys):
    """The one policy of `mlflow-labs run`, for every lab: a failure that is not a LabError (a bug)
    still ends in one paragraph, the report is written, what was started is stopped, exit 1."""
    from mlflow_labs import cli
    from mlflow_labs.harness.net import port_in_use
    from mlflow_labs.lab1.scenario import Lab1Run

    seen = {}

    def steps(self):
        server = next(b for b in self.docs.blocks if b.action == "background")
        self.docs.run(stop_before_line=server.line + 1)  # the README's own server is up now
        seen.update(port=self.port, workdir=self.workdir)
        assert port_in_use(self.port)
        raise ZeroDivisionError("injected failure")

    monkeypatch.setattr(Lab1Run, "steps", steps)
    code = cli.main(["run", "lab1", "--reports", str(tmp_path)])
    out, err = capsys.readouterr()
    assert code == cli.EXIT_FAIL
    assert "Traceback" not in out + err
    [line] = [ln for ln in out.splitlines() if ln.startswith("error: ")]
    assert "ZeroDivisionError: injected failure" in line and "--keep-infra" in line, line
    data = json.loads(Path(tmp_path, "lab1.json").read_text())
    assert data["ok"] is False and "ZeroDivisionError: injected failure" in data["error"]
    assert any(s["status"] == "passed" and s["step"].startswith("mlflow ui") for s in data["steps"]), data["steps"]
    assert "teardown" in data["phases"]
    assert not port_in_use(seen["port"]), "the README's server still answers after the failed run"
    assert not Path(seen["workdir"]).exists(), "the run's work dir was left behind"
