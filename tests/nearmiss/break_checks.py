"""Prove the near-miss tests can fail: `python -m pytest tests/lab1/test_near_misses.py -p tests.nearmiss.break_checks`
(`python -m` puts the checkout on sys.path, which a `-p` plugin needs).

For each near-miss, after the real assertion held, the same state is checked again with the case's check
broken (it returns PASS at once, without looking: what a check that looks at the wrong thing amounts to),
and the near-miss assertion must then FAIL. A case whose assertion still holds with its check broken proves
nothing, and its test fails here, naming it. Not part of the normal runs (it checks every state twice)."""

from __future__ import annotations

import contextlib

import tests.nearmiss as nearmiss
from mlflow_labs.labs import LABS

_original_run_state = nearmiss.run_state
_original_assert = nearmiss.assert_near_miss
_last: dict = {}


@contextlib.contextmanager
def broken(checks_module, name: str):
    """Every suite's check called ``name`` returns PASS without looking, until the block exits."""
    patched = [c for s in nearmiss.suites(checks_module) for c in s.checks if c.name == name]
    saved = [c.func for c in patched]
    for c in patched:
        c.func = lambda ctx: "broken on purpose: passes without looking"
    try:
        yield
    finally:
        for c, func in zip(patched, saved):
            c.func = func


def run_state(world, lab, build):
    world.clear()
    uri, options = nearmiss.target(world, build(world))
    _last.update(lab=lab, uri=uri, options=options)
    return LABS[lab].checks().run_checks(uri, **options)


def assert_near_miss(results, case, hints):
    _original_assert(results, case, hints)  # the real check fails the state
    module = LABS[_last["lab"]].checks()
    with broken(module, case.check):
        again = module.run_checks(_last["uri"], **_last["options"])
    try:
        _original_assert(again, case, hints)
    except AssertionError:
        print(f"\n  broken '{case.check}': the near-miss test fails, as it must")
        return
    raise AssertionError(f"with '{case.check}' broken, the near-miss '{case.why}' still passes: it proves nothing")


nearmiss.run_state = run_state
nearmiss.assert_near_miss = assert_near_miss
