"""Lab 5's checks, each shown able to fail on a state that is right except the one thing it is about
(tests/nearmiss/lab5_states.py), on one real MLflow server and through ONE real Chromium shared by every
state (a browser per state would cost a minute each); the correct state passes them all."""

from __future__ import annotations

import re

import pytest

from mlflow_labs.lab5 import checks
from tests.command_line import cli
from tests.nearmiss import near_miss_tests, run_state
from tests.nearmiss import lab5_states as states
from tests.nearmiss.world import sqlite_world

pytestmark = [pytest.mark.lab5, pytest.mark.harness]


@pytest.fixture(scope="module")
def world(need_browser, tmp_path_factory, progress):
    work = tmp_path_factory.mktemp("nearmiss-lab5")
    commit = states.repository(work / "repo")
    session = checks.open_session(work / "shots")
    try:
        with sqlite_world(work, progress, browser=session, commit=commit, files=work) as w:
            yield w
    finally:
        session.close()


_correct_state_passes, test_a_near_miss_fails_exactly_its_check = near_miss_tests("lab5")


def test_the_correct_state_passes_every_check(world):
    _correct_state_passes(world)
    # ... and takes every screenshot the README may show (tests/unit/test_lab5_readme_images.py holds the
    # README's images to these names and this viewport)
    taken = sorted(p.stem for p in world.extra["browser"].shots.glob("[0-9][0-9]-*.png"))
    assert taken == sorted(checks.SCREENSHOTS)


def _misplot(metric: str):
    """A route handler: the history the UI fetches for ``metric`` comes back with other values (x2 + 1), as if
    the page plotted another series under the chart's title. The server and what the checks read over REST
    stay as logged."""
    def handle(route):
        response = route.fetch()
        body = response.json()
        for m in body.get("metrics", []):
            if m.get("key") == metric:
                m["value"] = m["value"] * 2 + 1
        route.fulfill(response=response, json=body)
    return handle


def test_a_chart_plotting_other_values_fails_the_system_metrics_check(world):
    """Issue 21 item 8: a chart with the right title and a plot, but plotting values the run never recorded,
    must fail (e): the check reads the plot's own traces, not only that a plot sits under the title."""
    page = world.extra["browser"].page
    # the query names the metric unencoded (system/cpu_...), so a URL glob's `*` would stop at its "/"
    pattern, handler = re.compile(r"/metrics/get-history"), _misplot(checks.CPU)
    page.route(pattern, handler)
    try:
        results = run_state(world, "lab5", states.correct)
    finally:
        page.unroute(pattern, handler)
    failed = {r.name: r for r in results if not r.ok}
    assert set(failed) == {states.SYSTEM}, "\n".join(f"{r.ok} {r.name}: {r.detail}" for r in results)
    assert "did not record" in failed[states.SYSTEM].detail, failed[states.SYSTEM].detail


def test_a_wait_past_the_step_timeout_setting_fails_naming_it(world):
    """MLFLOW_LABS_BROWSER_STEP_TIMEOUT bounds every browser wait; a step that runs past it fails saying
    which setting gives it more time (a loaded machine's failure must not read as a UI bug). Through the
    CLI a learner types: its own process and browser, which read the setting at start."""
    world.clear()
    states.correct(world)
    p = cli("check", "lab5", "--tracking-uri", world.uri,
            env={"MLFLOW_LABS_BROWSER_STEP_TIMEOUT": "0.001",
                 "MLFLOW_LABS_REPORTS": str(world.extra["files"] / "timeout-reports")})
    assert p.returncode == 1, p.stdout + p.stderr
    assert "PASS  the experiment holds finished runs" in p.stdout, p.stdout  # the REST part is unaffected
    ui = [ln for ln in p.stdout.splitlines() if ln.startswith("FAIL  the experiment opens")]
    assert ui and "Timeout 1ms exceeded" in ui[0], p.stdout
    assert "MLFLOW_LABS_BROWSER_STEP_TIMEOUT=<seconds>" in ui[0], p.stdout
