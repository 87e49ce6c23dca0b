"""Lab 7 fixtures: ONE lab run for the whole session (the README's IdP and MLflow-with-plugin, the
browser sign-ins, the README's tokens, grants and check); the tests drive what comes after, each its
own, in any order (`--reverse`). Its report is printed and written at the end."""

from __future__ import annotations

import pytest

from mlflow_labs import plugin
from mlflow_labs.lab7.scenario import Lab7Run


@pytest.fixture(scope="session")
def lab(request, progress, keep_infra):
    messages: list[str] = []

    def say(msg: str) -> None:  # what a learner's terminal shows; kept for the secret scan
        messages.append(msg)
        progress(msg)

    run = Lab7Run(progress=say, keep=keep_infra)
    run.messages = messages
    request.config.stash[plugin._REPORTS].append(run.report)
    try:
        with run.phase("setup"):
            run.setup()
        run.run_readme_servers()
        run.sign_in_everyone()
        run.run_readme_rest()
        yield run
    finally:
        run.close()
