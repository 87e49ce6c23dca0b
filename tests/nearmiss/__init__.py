"""Near-miss states: for every check of every lab, the state a learner has after following the lab
correctly EXCEPT the one thing that check is about. Exactly that check must fail, with its hint; the
checks it does not concern must still pass.

Each lab's states live in ONE module, ``tests/nearmiss/<lab>_states.py``, holding
``NEAR_MISSES: dict[check name, NearMiss]`` (and optionally ``EXTRA``: further cases; ``CORRECT``: the
correct states with the checks each passes, when there is more than ``correct`` passing every check). Every
lab's test module is its `world` fixture and the two tests `near_miss_tests(lab)` makes. The unit test
tests/unit/test_near_miss_coverage.py walks the registry (mlflow_labs.labs.LABS -> checks module -> every
CheckSuite in it) and names every check that has no entry, so a new lab or a new check cannot go without one.
The states are logged straight through MLflow's client on a real server (no README run): cheap.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import uuid
from dataclasses import dataclass
from types import ModuleType
from typing import Callable

import pytest

from mlflow_labs.harness.suite import CheckResult, CheckSuite

# scripts/test (CI) sets it: each near miss is checked a second time with its check broken (it passes without
# looking), and the near-miss assertion must then fail. A case that still holds proves nothing.
BREAK_CHECKS = "MLFLOW_LABS_BREAK_CHECKS"


@dataclass(frozen=True)
class NearMiss:
    check: str                      # the check this state is about: it must FAIL, with its own hint
    build: Callable[..., dict]      # (world) -> run_checks options, after making the state on world's server
    why: str                        # what the learner got wrong, in their words
    # checks that rightly fail too: those that could only look at what the broken step makes
    # (a "cannot check" after an earlier failure), or that no state can separate (said in `why`)
    also_fails: frozenset[str] = frozenset()


def states_module(lab: str) -> ModuleType | None:
    """tests/nearmiss/<lab>_states.py, or None when the lab has none yet."""
    try:
        return importlib.import_module(f"tests.nearmiss.{lab}_states")
    except ModuleNotFoundError as exc:
        if exc.name != f"tests.nearmiss.{lab}_states":
            raise
        return None


def suites(checks_module: ModuleType) -> list[CheckSuite]:
    """Every CheckSuite a lab's checks module defines (lab 2 has three, lab 3 two)."""
    return [v for v in vars(checks_module).values() if isinstance(v, CheckSuite)]


def registered(checks_module: ModuleType) -> dict[str, str]:
    """check name -> hint, for every check of every suite of the module."""
    out: dict[str, str] = {}
    for s in suites(checks_module):
        for c in s.checks:
            out.setdefault(c.name, c.hint)
    return out


def table(results: list[CheckResult]) -> str:
    return "\n".join(f"{'PASS' if r.ok else 'FAIL'}  {r.name}: {r.detail}" for r in results)


def assert_all_pass(results: list[CheckResult], expected: set[str]) -> None:
    """The correct state: every expected check ran and passed (this is what proves the builder)."""
    assert {r.name for r in results} == expected, table(results)
    assert all(r.ok for r in results), table(results)


def assert_near_miss(results: list[CheckResult], case: NearMiss, hints: dict[str, str]) -> None:
    """Exactly ``case.check`` (and the declared consequences) FAIL; every other check that ran PASSES."""
    by_name = {r.name: r for r in results}
    assert case.check in by_name, f"{case.check!r} did not run:\n{table(results)}"
    failed = {r.name for r in results if not r.ok}
    assert failed == {case.check} | case.also_fails, (
        f"near-miss '{case.why}': expected exactly {sorted({case.check} | case.also_fails)} to fail\n{table(results)}")
    target = by_name[case.check]
    assert target.hint == hints[case.check] and target.hint, target
    # its own finding, not a knock-on of another failure
    assert not target.detail.startswith("cannot check"), table(results)


def target(world, built: dict) -> tuple[str, dict]:
    """(URI to check, run_checks options) from what a builder returned: ``uri`` overrides the server."""
    options = dict(built)
    return options.pop("uri", world.uri), options


def run_state(world, lab: str, build: Callable[..., dict]) -> list[CheckResult]:
    """Clear the server, make one state on it, and run the lab's checks (as `mlflow-labs check` does)."""
    world.clear()
    checks = lab_checks(lab)
    uri, options = checked_target(world, checks, build(world))
    return checks.run_checks(uri, **options)


def checked_target(world, checks: ModuleType, built: dict) -> tuple[str, dict]:
    """Where a state's checks look, and with what: on a shared server, the lab's experiment under the name
    this state gave it (lab 7's World has no `shared`)."""
    uri, options = target(world, built)
    if getattr(world, "shared", False):
        options.setdefault("experiment", world.exp(checks.EXPERIMENT))
    return uri, options


def fresh_name(name: str) -> str:
    return f"{name}-nearmiss-{uuid.uuid4().hex[:8]}"


@contextlib.contextmanager
def _replaced(checks: list, new_func: Callable):
    """Each of ``checks`` runs ``new_func(check)`` in place of its own function, until the block exits."""
    saved = [c.func for c in checks]
    for c in checks:
        c.func = new_func(c)
    try:
        yield
    finally:
        for c, func in zip(checks, saved):
            c.func = func


@contextlib.contextmanager
def broken(checks_module: ModuleType, name: str):
    """Every suite's check called ``name`` returns PASS without looking, until the block exits."""
    patched = [c for s in suites(checks_module) for c in s.checks if c.name == name]
    assert patched, f"no check named {name!r} in {checks_module.__name__}"
    with _replaced(patched, lambda c: lambda ctx: "broken on purpose: passes without looking"):
        yield


@contextlib.contextmanager
def recording(checks_module: ModuleType, into: dict):
    """Until the block exits, each check's run is recorded in ``into``: name -> what it added to or changed in
    the checks' shared context (what later checks read of it)."""
    def recorder(c):
        func, name = c.func, c.name   # the check's own, taken before it is replaced by this recorder

        def run(ctx):
            before = dict(ctx)
            try:
                return func(ctx)
            finally:
                into[name] = {k: v for k, v in ctx.items() if k not in before or before[k] is not v}
        return run

    with _replaced([c for s in suites(checks_module) for c in s.checks], recorder):
        yield


@contextlib.contextmanager
def as_before(checks_module: ModuleType, results: list[CheckResult], effects: dict, but: str):
    """Every check but ``but`` gives the outcome it gave in ``results`` (its detail, PASS or FAIL) and leaves in
    the context what it left then (``effects``, from `recording`), without looking again, until the block
    exits: the same state, all else equal, at no second browser walk or sign-in. ``but`` itself runs with the
    context it had the first time."""
    from mlflow_labs.harness.suite import CheckFailed
    outcome = {r.name: r for r in results}

    def replay(c):
        r = outcome[c.name]

        def func(ctx):
            ctx.update(effects.get(r.name, {}))
            if not r.ok:
                raise CheckFailed(r.detail)
            return r.detail
        return func

    with _replaced([c for s in suites(checks_module) for c in s.checks if c.name != but and c.name in outcome],
                   replay):
        yield


def assert_proves_something(world, lab: str, case: NearMiss, built: dict, hints: dict[str, str],
                            results: list[CheckResult], effects: dict) -> None:
    """The same state checked again with ``case.check`` broken (it passes without looking) and every other
    check as it was in ``results``: the near-miss assertion must now FAIL, through the lab's own run_checks."""
    module = lab_checks(lab)
    uri, options = checked_target(world, module, built)
    with broken(module, case.check), as_before(module, results, effects, but=case.check):
        again = module.run_checks(uri, **options)
    try:
        assert_near_miss(again, case, hints)
    except AssertionError:
        return
    raise AssertionError(f"with '{case.check}' broken, the near-miss '{case.why}' still passes: it proves nothing")


def lab_checks(lab: str) -> ModuleType:
    from mlflow_labs.labs import LABS
    return LABS[lab].checks()


def near_miss_tests(lab: str):
    """The two tests of a lab's near misses, bound to the `world` fixture of the module that assigns them:
    every correct state passes its checks; each near miss fails exactly its check (and, where BREAK_CHECKS is
    set, no longer passes with that check broken)."""
    states = states_module(lab)
    correct = getattr(states, "CORRECT", None)
    cases = [*states.NEAR_MISSES.values(), *getattr(states, "EXTRA", [])]

    def test_the_correct_state_passes_every_check(world):
        hints = registered(lab_checks(lab))
        for build, expected in correct or [(states.correct, list(hints))]:
            assert_all_pass(run_state(world, lab, build), set(expected))

    # a lab whose checks wait for a browser: the check that must fail waits this long, not the session's time
    fail_fast = getattr(states, "FAIL_FAST_MS", None)

    @pytest.mark.parametrize("case", cases, ids=lambda c: c.why[:70])
    def test_a_near_miss_fails_exactly_its_check(world, case):
        hints = registered(lab_checks(lab))
        world_state = _Built(fail_fast={case.check: fail_fast} if fail_fast else None)
        effects: dict = {}
        with recording(lab_checks(lab), effects):
            results = run_state(world, lab, world_state.wrap(case.build))
        assert_near_miss(results, case, hints)
        if os.environ.get(BREAK_CHECKS):
            assert_proves_something(world, lab, case, world_state.options, hints, results, effects)

    return test_the_correct_state_passes_every_check, test_a_near_miss_fails_exactly_its_check


class _Built:
    """Keeps what a builder returned (the URI and options the checks ran with), for the broken re-check;
    adds ``fail_fast`` (a browser lab's short wait for the check that must fail) to them."""

    def __init__(self, fail_fast: dict | None = None):
        self.options: dict = {}
        self.fail_fast = fail_fast

    def wrap(self, build):
        def kept(world):
            self.options = {**build(world), **({"fail_fast": self.fail_fast} if self.fail_fast else {})}
            return self.options
        return kept
