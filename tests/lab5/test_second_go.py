"""A lab 5 check that failed while Chromium dropped its requests (the machine's network changed under it) gets a
second go (harness/suite.py's Retry); that go starts from what the browser remembered before the first one,
not from what the first go clicked before it failed (CI-3: a first go that had clicked `Model training` made
the second open on the runs table, and the Overview check failed). In a real Chromium, on the session's server."""

from __future__ import annotations

import pytest

from mlflow_labs.lab5 import checks

pytestmark = [pytest.mark.lab5, pytest.mark.harness]

KEY = "mlflow-labs-test-second-go"


def test_a_second_go_starts_from_what_the_browser_remembered_before_the_first(lab5, tmp_path):
    retry, uri = checks.suite.retry, lab5.uri
    session = checks.open_session(tmp_path)
    stored = lambda: session.page.evaluate(f"localStorage.getItem('{KEY}')")  # noqa: E731
    try:
        ctx = {"browser": session, "uri": uri, "remembered": {KEY: "the first visit's"}}
        checks.first_visit(session, uri, ctx["remembered"])
        before_the_first_page = retry.mark(ctx)
        session.page.goto(uri.rstrip("/") + "/", wait_until="domcontentloaded")
        session.page.evaluate(f"localStorage.setItem('{KEY}', 'before the check')")
        before_the_check = retry.mark(ctx)
        session.page.evaluate(f"localStorage.setItem('{KEY}', 'clicked by the first go')")

        retry.fresh(ctx, before_the_check)
        assert session.page.url == "about:blank"   # the app loads anew at the second go's first page
        session.page.goto(uri.rstrip("/") + "/", wait_until="domcontentloaded")
        assert stored() == "before the check"

        retry.fresh(ctx, before_the_first_page)
        session.page.goto(uri.rstrip("/") + "/", wait_until="domcontentloaded")
        assert stored() == "the first visit's"
    finally:
        session.close()
