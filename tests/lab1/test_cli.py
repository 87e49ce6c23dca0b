"""The learner's command line: real subprocesses, asserting on exit codes and what is printed."""

from __future__ import annotations

import http.server
import json
from functools import partial
from pathlib import Path

import pytest

from mlflow_labs.harness.net import free_port
from tests.command_line import cli, one_line_error
from tests.loopback import serve

pytestmark = pytest.mark.lab1


def test_unreachable_tracking_uri_is_one_line_exit_2():
    line = one_line_error(cli("check", "lab1", "--tracking-uri", f"http://127.0.0.1:{free_port()}"))
    assert "Cannot reach the MLflow server" in line


def test_a_server_that_is_not_mlflow_is_exit_2(tmp_path):
    # a static file server over an empty folder: /health and the API are its 404 pages
    with serve(partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))) as uri:
        p = cli("check", "lab1", "--tracking-uri", uri)
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


def test_run_lab1_end_to_end_writes_report(lab1_run):
    """What the README's first command does: start everything, run the README, check, restart, check. This is
    the session's one lab 1 run (tests/lab1/conftest.py: `mlflow-labs run lab1 --keep-infra`); its teardown
    is proven by the failure and SIGTERM tests, which stop what they started."""
    assert lab1_run.returncode == 0, lab1_run.why()
    data = json.loads(Path(lab1_run.reports, "lab1.json").read_text())
    assert data["ok"] is True
    wheres = [s["where"] for s in data["steps"]]
    assert any(w.startswith("labs/lab1-sqlite-local/README.md:") for w in wheres)
    assert any("after restart" in w for w in wheres)
    restart = [s for s in data["steps"] if s["step"] == "a new server process answers after the restart"]
    assert [s["status"] for s in restart] == ["passed"], restart
    assert all(isinstance(s["seconds"], (int, float)) for s in data["steps"])
    assert {"steps", "checks", "server restart"} <= set(data["phases"])
    assert "step" in lab1_run.output and "README.md:" in lab1_run.output  # the table a learner sees
    assert f"report: {lab1_run.reports}/lab1.json" in lab1_run.output


@pytest.mark.harness
def test_run_with_an_unexpected_failure_is_one_paragraph_report_written_infra_removed(tmp_path, monkeypatch, capsys):
    """The one policy of `mlflow-labs run`, for every lab: a failure that is not a LabError (a bug)
    still ends in one paragraph, the report is written, what was started is stopped, exit 1."""
    from mlflow_labs import cli
    from mlflow_labs.harness.process import BackgroundProcess
    from mlflow_labs.harness.readme.parse import Block
    from mlflow_labs.lab1.scenario import Lab1Run

    seen = {}

    def steps(self):
        server = next(b for b in self.docs.blocks if b.action == "background")
        self.docs.run(stop_before_line=server.line)  # the README's blocks up to its server
        # a process started the way the README's server block starts one (its own process group, stopped by the
        # run's teardown), without paying an MLflow start: the session's run and the SIGTERM test start those
        self.docs.run_block(Block(server.line, "bash", "sleep 300\n", {"background": True}))
        seen.update(pid=self.docs.background_process(server.line).pid, workdir=self.workdir)
        assert BackgroundProcess.group_alive(seen["pid"])
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
    assert any(s["status"] == "passed" and s["step"].startswith("sleep 300") for s in data["steps"]), data["steps"]
    assert "teardown" in data["phases"]
    assert not BackgroundProcess.group_alive(seen["pid"]), "the background process outlived the failed run"
    assert not Path(seen["workdir"]).exists(), "the run's work dir was left behind"
