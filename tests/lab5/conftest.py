"""Lab 5 fixtures: the browser prerequisite, the lab run (README + browser checks) once per session,
and an empty MLflow server for the checks that must fail."""

from __future__ import annotations

import pytest

from mlflow_labs.errors import LabError


def browser_missing() -> str | None:
    from mlflow_labs.lab5.browser import find_chromium
    try:
        find_chromium()
        import playwright  # noqa: F401
    except (LabError, ImportError) as exc:
        return str(exc)
    return None


@pytest.fixture(scope="session")
def need_browser():
    reason = browser_missing()
    if reason:
        from mlflow_labs.lab5.browser import INSTALL_FIX
        pytest.skip(f"no headless browser for lab 5: {reason} (fix: {INSTALL_FIX})")


@pytest.fixture(scope="session")
def lab5(need_browser, tmp_path_factory, progress, tracking_uri_option):
    """Lab 5's one run per session, the phases of `mlflow-labs run lab5`: the README (its own check block walks
    the browser checks; the run takes their results), then its UI words clicked; the server stays up for the
    session (README mutations share it). reports/lab5.json + report.html at the end."""
    from mlflow_labs.lab5 import scenario
    from mlflow_labs.lab5.html_report import write_html
    if tracking_uri_option:
        pytest.skip(f"--tracking-uri {tracking_uri_option} given: checking that server, not starting one")
    lab = scenario.Lab5Run(workdir=tmp_path_factory.mktemp("lab5"), progress=progress)
    try:
        lab.setup()
        lab.run_readme()
        lab.readme_check_results()
        lab.replay_readme_ui()
        yield lab
    finally:
        lab.close()
        progress(f"lab 5 report: {lab.report.write_json()}, {write_html(lab.report, lab.shots)}")


@pytest.fixture
def empty_server(empty_mlflow_server):
    """The plugin's empty server (one per session, shared by tests that only read from it)."""
    return empty_mlflow_server


@pytest.fixture(scope="session")
def lab5_uri(lab5) -> str:
    """The session's lab 5 server (README mutations run their copies against it, each in its own experiment)."""
    return lab5.uri
