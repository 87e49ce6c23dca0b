"""Lab 2's pytest hook (its spec names this module; the mlflow-labs plugin registers it).

Last, after pytest's own short summary (a wrapper around it): ONE line saying how many tests were
skipped because lab 2's chart is nowhere on this machine (their reason starts CHART_MISSING), and the
command that gets it. A plain `tox -e lab2` on a learner's machine must not hide that."""

from __future__ import annotations

import pytest


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_terminal_summary(terminalreporter):
    result = yield
    reasons = [r.longrepr[2] if isinstance(r.longrepr, tuple) else str(r.longrepr)
               for r in terminalreporter.stats.get("skipped", [])]
    if not any("chart" in reason for reason in reasons):
        return result  # the usual case: nothing to import, nothing to say
    from mlflow_labs.lab2.chart import CHART_ENV, CHART_MISSING, CHART_NAME, CHART_REPO, CHART_VERSION, pull_command
    skipped = sum(CHART_MISSING in reason for reason in reasons)
    if skipped:
        terminalreporter.write_line(
            f"mlflow-labs: {skipped} test(s) skipped for lack of the {CHART_REPO}/{CHART_NAME} {CHART_VERSION} "
            f"chart; get it with `{pull_command()}` (or set {CHART_ENV} to a copy)", yellow=True, bold=True)
    return result
