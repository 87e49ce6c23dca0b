"""Lab 5's bad input: not MLflow, MLflow without its UI, no browser, an empty server, a browser that
times out or crashes. Real subprocesses and a real chromium; assertions on what the learner reads."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mlflow_labs.lab5 import checks
from mlflow_labs.lab5.browser import BrowserSession, StepFailed
from tests.command_line import cli, one_line_error
from tests.loopback import Handler, NotMlflow, serve

pytestmark = pytest.mark.lab5


class ApiWithoutUi(Handler):
    """Answers like MLflow's tracking API, but its web UI's assets are missing (what GET / then says)."""

    def do_GET(self):
        if self.path == "/health":
            return self.send(200, b"OK")
        if self.path == "/version":
            return self.send(200, b"3.17.2")
        self.send(404, b"Unable to display MLflow UI - landing page (index.html) not found.")

    def do_POST(self):
        self.send(200, json.dumps({"experiments": []}).encode(), "application/json")


def step_failure(tmp_path, timeout_ms: int, name: str, act) -> str:
    """What a browser step named ``name`` that fails says: ``act(page)`` inside it, every wait bounded by
    ``timeout_ms``."""
    with BrowserSession(tmp_path, step_timeout_ms=timeout_ms) as session:
        with pytest.raises(StepFailed) as err:
            with session.step(name) as page:
                act(page)
    return str(err.value)


def test_uri_that_is_not_mlflow_is_one_line_exit_2():
    with serve(NotMlflow) as uri:
        line = one_line_error(cli("check", "lab5", "--tracking-uri", uri))
    assert "not an MLflow tracking server" in line


def test_mlflow_without_ui_assets_is_one_line_exit_2(need_browser):
    with serve(ApiWithoutUi) as uri:
        line = one_line_error(cli("check", "lab5", "--tracking-uri", uri))
    assert "does not serve its web UI" in line and "landing page" in line


def test_without_a_browser_says_how_to_install_one(empty_server):
    line = one_line_error(cli("check", "lab5", "--tracking-uri", empty_server.uri,
                              env={"MLFLOW_LABS_CHROMIUM": "/nonexistent/chromium"}))
    assert "apt-get install chromium" in line and "pip install playwright" in line


@pytest.mark.harness
def test_checks_fail_against_an_empty_server(need_browser, empty_server, tmp_path):
    p = cli("check", "lab5", "--tracking-uri", empty_server.uri, env={"MLFLOW_LABS_REPORTS": str(tmp_path)})
    assert p.returncode == 1, p.stdout + p.stderr
    assert "PASS" not in p.stdout, p.stdout
    assert "FAIL  the experiment holds finished runs" in p.stdout
    assert "no experiment named 'wine-compare'" in p.stdout
    assert "hint: Step 2: run `python train.py`" in p.stdout


@pytest.mark.harness
def test_a_browser_step_that_times_out_fails_with_console_errors_and_a_screenshot(lab5, tmp_path):
    """The lab's real server and runs, but every element wait limited to 1 ms: each UI step must fail,
    each with a screenshot and the console's errors, and the run must end (no hang)."""
    results = checks.run_checks(lab5.uri, shots=tmp_path, step_timeout_ms=1)
    ui_steps = [r for r in results if r.name not in checks.REST_CHECKS]
    assert all(r.ok for r in results if r.name in checks.REST_CHECKS)  # the REST part is unaffected
    assert ui_steps and all(not r.ok for r in ui_steps)
    first = ui_steps[0]
    assert "Timeout 1ms exceeded" in first.detail, first.detail
    assert "Browser console errors:" in first.detail
    shot = Path(first.detail.split("Screenshot: ", 1)[1].split(". Browser", 1)[0])
    assert shot.parent == tmp_path and shot.read_bytes()[:4] == b"\x89PNG"


@pytest.mark.harness
def test_a_crashed_browser_tab_fails_the_step_with_its_console_errors(need_browser, tmp_path):
    def crash(page):
        page.goto("data:text/html,<h1>lab 5</h1>")
        page.evaluate("console.error('lab5 console marker')")
        page.goto("chrome://crash")  # chromium's own way to crash the renderer
        page.get_by_text("never there").wait_for()

    msg = step_failure(tmp_path, 10_000, "crash", crash)
    assert "crashed" in msg
    assert "lab5 console marker" in msg


@pytest.mark.harness
def test_a_step_whose_element_never_appears_saves_a_screenshot(need_browser, tmp_path):
    def wait_for_a_heading_never_there(page):
        page.goto("data:text/html,<h1>lab 5</h1><script>console.error('boom from page')</script>")
        page.get_by_text("Comparing 2 Runs").wait_for()

    msg = step_failure(tmp_path, 2_000, "missing", wait_for_a_heading_never_there)
    assert "Comparing 2 Runs" in msg and "boom from page" in msg
    assert (tmp_path / "missing-FAILED.png").read_bytes()[:4] == b"\x89PNG"
