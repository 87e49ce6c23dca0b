"""A check that failed while what it looks through was reset runs once more, saying so; one that failed with
nothing reset under it does not (harness/suite.py's Retry; lab 5 counts Chromium's ERR_NETWORK_CHANGED)."""

from __future__ import annotations

from mlflow_labs.harness.suite import CheckFailed, CheckSuite, Retry
from mlflow_labs.lab5 import checks as lab5


def _suite(first_go_resets: bool):
    """A suite whose one check fails its first go (with a reset under it when ``first_go_resets``), then passes."""
    calls = []
    suite = CheckSuite("t", retry=Retry(resets=lambda ctx: ctx["resets"], mark=lambda ctx: ctx["state"],
                                        fresh=lambda ctx, mark: calls.append(f"fresh from {mark}"),
                                        what="the wire was reset"))

    @suite.check("the page shows the runs", hint="Step 3")
    def shows(ctx):
        calls.append("go")
        if calls.count("go") == 1:
            ctx["resets"] += first_go_resets
            ctx["state"] = "clicked by the first go"
            raise CheckFailed("Timeout 30000ms exceeded")
        return "4 runs"
    return suite, calls


def test_a_check_that_failed_while_its_wire_was_reset_gets_a_second_go_that_says_so():
    suite, calls = _suite(first_go_resets=True)
    [result] = suite.run("http://127.0.0.1:1", resets=0, state="before the check")
    assert result.ok and calls == ["go", "fresh from before the check", "go"]
    assert result.detail == "4 runs (second go: the wire was reset during the first, which said: Timeout 30000ms exceeded)"


def test_a_check_that_failed_with_nothing_reset_is_not_run_again():
    suite, calls = _suite(first_go_resets=False)
    [result] = suite.run("http://127.0.0.1:1", resets=0, state="before the check")
    assert not result.ok and calls == ["go"] and result.hint == "Step 3"


def test_lab5_counts_the_browsers_network_resets():
    class Session:
        network_resets = 3
    assert lab5.suite.retry.resets({"browser": Session()}) == 3
    assert lab5.suite.retry.resets({}) == 0 and "ERR_NETWORK_CHANGED" in lab5.suite.retry.what
