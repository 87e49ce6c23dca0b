"""Lab 6 fixtures: ONE lab run for the whole session (its README server, PostgreSQL, the load server),
whose phases the tests drive, each test its own; they pass in any order (`--reverse`). Its report is
printed and written at the end."""

from __future__ import annotations

import pytest

from mlflow_labs import plugin
from mlflow_labs.infra import docker_engine
from mlflow_labs.harness import leaks
from mlflow_labs.lab6.scenario import Lab6Run


@pytest.fixture(scope="session")
def lab(request, progress, keep_infra):
    """The README run (access control, a load run, the Host header), secrets read from its env file."""
    messages: list[str] = []

    def say(msg: str) -> None:  # what a learner's terminal shows; kept for the secret scan
        messages.append(msg)
        progress(msg)

    run = Lab6Run(progress=say, keep=keep_infra)
    run.messages = messages
    request.config.stash[plugin._REPORTS].append(run.report)  # the table + reports/lab6.json at the end
    try:
        with run.phase("setup"):
            run.setup()
        run.run_readme()
        yield run
    finally:
        run.close()
        docker_engine.cleanup(docker_engine.SESSION)
    # whatever order the tests ran in, every command line of the whole session is scanned once it is over
    hits = leaks.found_in(run.secrets, run.watch.seen())
    if hits:
        pytest.fail(f"a secret was on a process's command line during the lab 6 session: {hits}")
