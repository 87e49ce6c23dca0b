"""pytest plugin: options and thin fixtures. The work is in harness/ (the verdict line: harness/verdict.py),
infra/ and the lab packages; fixtures only the project's own tests use are in tests/conftest.py.

Loaded through the `pytest11` entry point wherever mlflow-labs is installed, so its options carry the
`--mlflow-labs-` prefix (as pytest plugins do) and never clash with another project's `--infra`.
Their defaults come from the MLFLOW_LABS_* variables (settings.py)."""

from __future__ import annotations

import os
import sys
import threading
import time

import pytest

from mlflow_labs import settings
from mlflow_labs.harness.report import Report
from mlflow_labs.harness.signals import terminate_like_interrupt

_REPORTS = pytest.StashKey[list]()
_STARTED = pytest.StashKey[float]()
_VERDICT = pytest.StashKey[list]()


def _terminal():
    """The session's real stderr, kept before pytest's fd capture starts (entry-point plugins load first).
    Capture redirects fd 2 itself, so `sys.__stderr__` lands in the captured output shown only on failure;
    progress must reach the learner's terminal and the tox log while a fixture waits."""
    try:
        return os.fdopen(os.dup(2), "w", buffering=1, encoding="utf-8", errors="replace")
    except OSError:
        return sys.__stderr__


_TERMINAL = _terminal()
_TERMINAL_LOCK = threading.Lock()   # lab 6 streams a command's lines from a thread


def pytest_addoption(parser, pluginmanager):
    # each lab's own hooks (its spec's pytest_plugins); registered here, so their options are parsed too
    from mlflow_labs.harness.spec import load
    from mlflow_labs.labs import LABS
    for spec in LABS.values():
        for name in spec.pytest_plugins:
            if not pluginmanager.has_plugin(name):
                pluginmanager.register(load(name), name)
    env = settings.current()
    g = parser.getgroup("mlflow-labs")
    g.addoption("--mlflow-labs-infra", choices=list(settings.INFRA_CHOICES), default=None,
                help=f"where lab servers run: docker containers, local processes, or auto (docker when usable); "
                     f"env MLFLOW_LABS_INFRA (now {env.infra})")
    g.addoption("--mlflow-labs-tracking-uri", default=None,
                help="run the lab checks against this server instead of starting one; env MLFLOW_LABS_TRACKING_URI")
    g.addoption("--mlflow-labs-keep-infra", action="store_true", default=False,
                help="leave servers, containers and clusters running after the tests (for debugging)")


def pytest_configure(config):
    from mlflow_labs.labs import LABS
    for spec in LABS.values():  # each lab's marker (`-m lab3`), from its spec: a new lab adds none by hand
        config.addinivalue_line("markers", f"{spec.name}: {spec.title}")
    config.stash[_REPORTS] = []
    config.stash[_STARTED] = time.monotonic()
    terminate_like_interrupt()  # a killed test run still tears down the servers it started
    config.pluginmanager.register(_Verdict(), "mlflow-labs-verdict")


@pytest.fixture(scope="session")
def lab_settings(request) -> settings.Settings:
    """The session's settings: the MLFLOW_LABS_* variables, overridden by the --mlflow-labs-* options."""
    s = settings.current(infra=request.config.getoption("--mlflow-labs-infra"),
                         tracking_uri=request.config.getoption("--mlflow-labs-tracking-uri"))
    s.validate()
    return s


@pytest.fixture(scope="session")
def infra_mode(lab_settings) -> str:
    return lab_settings.infra


@pytest.fixture(scope="session")
def keep_infra(request) -> bool:
    return request.config.getoption("--mlflow-labs-keep-infra")


@pytest.fixture(scope="session")
def tracking_uri_option(lab_settings) -> str | None:
    return lab_settings.tracking_uri


@pytest.fixture(scope="session")
def progress(request):
    """Progress lines for long waits (the lab's phases and README steps), with the seconds since the
    session started, shown even while pytest captures output (and through tox, which streams them)."""
    started = request.config.stash[_STARTED]

    def say(msg: str) -> None:
        with _TERMINAL_LOCK:
            print(f"  .. [{time.monotonic() - started:4.0f}s] {msg}", file=_TERMINAL, flush=True)
    return say


@pytest.fixture
def lab_report(request):
    """Collect a Report: printed as a table at the end of the session and written to reports/<lab>.json.
    Call with a lab name (a new Report) or with a LabRun's own report (filled in as the run closes)."""
    reports = request.config.stash[_REPORTS]

    def make(lab: str | Report) -> Report:
        r = lab if isinstance(lab, Report) else Report(lab)
        reports.append(r)
        return r
    return make


def pytest_terminal_summary(terminalreporter, config):
    reports = config.stash.get(_REPORTS, [])
    if not reports:
        return
    terminalreporter.section("mlflow-labs step reports")
    for r in reports:
        terminalreporter.write_line(r.table())
        terminalreporter.write_line(f"written: {r.write_json()}")


class _Verdict:
    """The very last line of a session (harness/verdict.py composes it): ONE verdict; for a lab's session
    (`tox -e labN`) PASSED only when the lab's own README run happened, else NOT RUN, why, the fix, and a
    non-zero exit."""

    session = None

    def pytest_sessionstart(self, session):
        self.session = session

    @pytest.hookimpl(wrapper=True, trylast=True)
    def pytest_terminal_summary(self, terminalreporter, config):
        from mlflow_labs.harness import verdict
        from mlflow_labs.harness.readme.runner import readmes_run
        from mlflow_labs.labs import LABS
        result = yield
        stats = terminalreporter.stats
        harness_left = len([i for i in stats.get("deselected", []) if getattr(i, "get_closest_marker", None)
                            and i.get_closest_marker("harness")])
        reports = config.stash.get(_REPORTS, [])
        what = os.environ.get("TOX_ENV_NAME") or ", ".join(sorted({r.lab for r in reports})) or "tests"
        written = ", ".join(sorted({f"{settings.current().reports}/{r.lab}.json" for r in reports}))
        lab = None if config.option.collectonly else LABS.get(what)
        lines, failed = verdict.verdict(what, time.monotonic() - config.stash.get(_STARTED, time.monotonic()), stats,
                                        reports, markexpr=config.option.markexpr, written=written,
                                        harness_left=harness_left, lab_readme=lab.readme if lab else None,
                                        ran=readmes_run() | verdict.readmes_in(reports, settings.repo_root()))
        config.stash[_VERDICT] = lines  # written at unconfigure: after pytest's own closing line
        if failed and self.session is not None and self.session.exitstatus == pytest.ExitCode.OK:
            self.session.exitstatus = pytest.ExitCode.TESTS_FAILED   # tox and scripts/test see a lab that did not run
        return result

    def pytest_unconfigure(self, config):
        reporter = config.pluginmanager.get_plugin("terminalreporter")
        for line, markup in config.stash.get(_VERDICT, []) if reporter else []:
            reporter.write_line(line, **markup)
