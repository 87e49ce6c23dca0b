"""A lab's run held by a test session's fixture, phase by phase, for tests that read it or drive what comes
after (lab 6's README run, lab 7's, the grading class's lab 7): set up, kept up while the tests use it, then
closed (torn down unless --keep-infra), whatever happened."""

from __future__ import annotations

from contextlib import contextmanager

from mlflow_labs import plugin


def reported_run(request, run_class, progress, keep: bool, **kw):
    """A ``run_class`` run whose every message goes to the session's progress lines and to ``run.messages``
    (what a learner's terminal showed, for the secret scans), and whose report the session prints and writes
    at its end, as `mlflow-labs run` does."""
    messages: list[str] = []

    def say(msg: str) -> None:
        messages.append(msg)
        progress(msg)

    run = run_class(progress=say, keep=keep, **kw)
    run.messages = messages
    request.config.stash[plugin._REPORTS].append(run.report)
    return run


@contextmanager
def set_up(run):
    """``run`` with its setup phase done (a database, a cluster: what the README does not start itself),
    until leaving; then closed, also when the setup or the caller's steps failed."""
    with run:
        with run.phase("setup"):
            run.setup()
        yield run
