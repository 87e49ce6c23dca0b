"""pytest plugin: options and thin fixtures. The work is in harness/, infra/ and the lab packages.

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


@pytest.fixture(scope="session")
def _empty_mlflow_server_process(tmp_path_factory, progress):
    from mlflow_labs.infra.mlflow_server import MlflowServer
    work = tmp_path_factory.mktemp("empty-mlflow-server")
    with MlflowServer(f"sqlite:///{work / 'empty.db'}", workdir=work, progress=progress) as server:
        yield server


@pytest.fixture
def empty_mlflow_server(_empty_mlflow_server_process):
    """A real MLflow server (SQLite) holding nothing but MLflow's own Default experiment, started once
    per pytest process and shared by the tests that only READ from it (checks that must fail on
    nothing). A test that writes must start its own server. Each use first proves the server is still
    empty, so a test that wrote to it fails the next user instead of silently changing what it sees."""
    from mlflow_labs.harness.client import TrackingClient
    server = _empty_mlflow_server_process
    client = TrackingClient(server.uri, timeout=60)
    exps = client.search_experiments(view_type="ALL")  # deleted ones too
    runs = client.search_runs([e["experiment_id"] for e in exps] or ["0"], max_results=10, run_view_type="ALL")
    assert [e["name"] for e in exps] == ["Default"] and not runs, (
        f"the shared empty MLflow server at {server.uri} is no longer empty (experiments "
        f"{[e['name'] for e in exps]}, {len(runs)} run(s)): a test wrote to it; give that test its own server")
    return server


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
    """The very last line of a session: ONE verdict, the time it took and where the report is; on a
    failure, where it failed (the README line or check, with its hint: what `mlflow-labs run` prints) and
    how to see more. Also says how many harness-proof tests this selection left out and how to run them."""

    @pytest.hookimpl(wrapper=True, trylast=True)
    def pytest_terminal_summary(self, terminalreporter, config):
        result = yield
        config.stash[_VERDICT] = lines = []  # written at unconfigure: after pytest's own closing line
        stats = terminalreporter.stats
        count = {k: len(stats.get(k, [])) for k in ("failed", "error", "skipped")}
        count["passed"] = len([r for r in stats.get("passed", []) if r.when == "call"])
        harness_left = len([i for i in stats.get("deselected", []) if getattr(i, "get_closest_marker", None)
                            and i.get_closest_marker("harness")])
        what = os.environ.get("TOX_ENV_NAME") or ", ".join(sorted({r.lab for r in config.stash.get(_REPORTS, [])})) or "tests"
        seconds = time.monotonic() - config.stash.get(_STARTED, time.monotonic())
        reports = config.stash.get(_REPORTS, [])
        written = ", ".join(sorted({f"{settings.current().reports}/{r.lab}.json" for r in reports}))
        where = f"; report: {written}" if written else ""
        tally = f"{count['passed']} passed, {count['failed'] + count['error']} failed, {count['skipped']} skipped"
        left_out = ""
        if harness_left and not _selects_harness(config.option.markexpr):
            left_out = f"; {harness_left} harness-proof test(s) not selected (`tox -e {what} -- -m harness` runs them)"
        if count["failed"] or count["error"]:
            lines.append((f"mlflow-labs: {what} FAILED after {seconds:.0f} s ({tally}){where}",
                          {"red": True, "bold": True}))
            lines += [(f"  {line}", {"red": True}) for line in _failure_lines(reports, stats)]
        elif count["passed"]:
            lines.append((f"mlflow-labs: {what} PASSED in {seconds:.0f} s ({tally}){left_out}{where}",
                          {"green": True, "bold": True}))
        else:
            lines.append((f"mlflow-labs: {what}: NO VERDICT, nothing passed ({tally}){left_out}",
                          {"yellow": True, "bold": True}))
        return result

    def pytest_unconfigure(self, config):
        reporter = config.pluginmanager.get_plugin("terminalreporter")
        for line, markup in config.stash.get(_VERDICT, []) if reporter else []:
            reporter.write_line(line, **markup)


def _selects_harness(markexpr: str | None) -> bool:
    """Whether the -m expression keeps a harness-marked test (CI's "harness or not harness" does: its
    deselected harness tests were left out by -k or a lab's own skip, not by the learner's selection)."""
    if not markexpr:
        return True
    try:
        from _pytest.mark.expression import Expression  # pytest's own -m parser; no public API for it
        return Expression.compile(markexpr).evaluate(lambda name, **_: name == "harness")
    except Exception:  # noqa: BLE001 - another pytest's parser: the plain reading
        return "not harness" not in markexpr


def _failure_lines(reports, stats, most: int = 3) -> list[str]:
    """Where it failed, first from the lab reports (README:LINE or the check, with its hint or the
    one-paragraph error naming the fix), else from pytest's own crash line per failed test."""
    lines = []
    for r in reports:
        if r.error:  # its first line (README:LINE first), and the failing checks with their hints: the fix
            first, *rest = r.error.splitlines() or [""]
            fix = [ln.strip() for ln in rest if ln.strip().startswith(("FAIL ", "hint:"))]
            lines.append(f"{r.lab}: {first}" + "".join(f"\n    {f}" for f in fix))
        lines += [f"{row.where}: {row.step}: {row.detail.strip().splitlines()[-1] if row.detail.strip() else 'failed'}"
                  for row in r.rows if row.status == "failed"]
    if not lines:
        # one entry per distinct error: a lab fixture whose README failed errors every test that shares it
        tests_by_message: dict[str, list[str]] = {}
        for rep in stats.get("failed", []) + stats.get("error", []):
            crash = getattr(rep.longrepr, "reprcrash", None)
            tests_by_message.setdefault(crash.message if crash else rep.outcome, []).append(rep.nodeid)
        for message, tests in tests_by_message.items():
            first, *rest = message.splitlines() or [""]
            # a README step's error (README:LINE first) carries the failing check and its hint in the
            # block's output: the fix, as `mlflow-labs run` shows it
            fix = [ln.strip() for ln in rest if ln.strip().startswith(("FAIL ", "hint:"))]
            who = tests[0] + (f" (and {len(tests) - 1} more test(s), same error)" if len(tests) > 1 else "")
            lines.append(f"{who}: {first}" + "".join(f"\n    {f}" for f in fix))
    return lines[:most] + ([f"... and {len(lines) - most} more: see the summary above"] if len(lines) > most else [])
