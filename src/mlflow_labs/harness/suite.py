"""Check results and the runner that turns a list of check functions into results.

A check function takes a shared context dict (tracking client plus what earlier checks found)
and returns a detail string on success or raises CheckFailed. Later checks that need something
an earlier one failed to find fail too: a check that passes on nothing proves nothing.

A check that compares against something only the caller knows (``needs="run_ids"``: the runs logged
before a restart) is not run when the caller did not give that option, so it never prints PASS
for want of anything to compare; given it empty, it runs and fails saying what it lacks.

What a shared class server changes is a parameter, not a constant: ``experiment=`` names the learner's
experiment (checks read it with ``experiment_name(ctx, DEFAULT)``), ``client=`` is the REST client to
read with (credentials, bounds). Neither given: the lab's own experiment, an anonymous client.

Everything else a check needs comes in the context too, never from the process environment: ``env=``
the check's variables (a role's credentials, by the names the lab's spec declares; harness/inputs.py),
``repo=`` lab 4's repository. `check` fills them from the environment and its options, `grade` from
each learner's roster row: the same checks, run the same way. ``on_start`` and ``on_result`` (not in
the context) are called with each check's name as it starts and its result as it is made, so a caller
that must stop the checks at a bound knows the results so far and which check was cut short.

A check that failed while something under it was reset (``Retry``: lab 5's browser, whose network stack Chromium
resets when an interface comes or goes on the machine) is run once more from a fresh start, and its detail says
so; a check that failed with nothing reset under it is not run again.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Any, Callable

from mlflow_labs.errors import LabError
from mlflow_labs.harness.client import TrackingClient


class CheckFailed(Exception):
    pass


@dataclass
class CheckResult:
    name: str
    ok: bool
    detail: str
    hint: str = ""
    seconds: float = 0.0

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class Check:
    name: str
    func: Callable[[dict], str]
    hint: str  # the lab step to revisit when this check fails
    needs: str | None = None  # a run_checks option without which the check is not run


@dataclass
class Retry:
    """When a failed check gets one more go: ``resets(ctx)`` counts the resets of what the checks look through
    (it rose during the check: the failure may be the reset's, not the learner's); ``mark(ctx)`` notes, before
    each check, the state its second go must start from, and ``fresh(ctx, mark)`` puts it back (lab 5: what the
    browser remembered, on a page that loads the app anew: a first go may have clicked before it failed);
    ``what`` names the reset in the check's detail."""
    resets: Callable[[dict], int]
    mark: Callable[[dict], Any]
    fresh: Callable[[dict, Any], None]
    what: str


@dataclass
class CheckSuite:
    lab: str
    checks: list[Check] = field(default_factory=list)
    retry: Retry | None = None

    def check(self, name: str, hint: str, needs: str | None = None):
        def deco(func):
            self.checks.append(Check(name, func, hint, needs))
            return func
        return deco

    def run(self, uri: str, *, client: TrackingClient | None = None, experiment: str | None = None,
            on_start: Callable[[str], None] | None = None, on_result: Callable[[CheckResult], None] | None = None,
            **options) -> list[CheckResult]:
        ctx: dict = {"client": client or TrackingClient(uri), "uri": uri, "experiment_name": experiment, **options}
        results = []
        for c in self.checks:
            if c.needs and options.get(c.needs) is None:
                continue  # nothing to compare against: not run (never a PASS on nothing)
            if on_start is not None:
                on_start(c.name)
            t0 = time.monotonic()
            ctx["check"] = c.name  # which check is running (lab 5's per-check browser timeout reads it)
            resets, mark = (self.retry.resets(ctx), self.retry.mark(ctx)) if self.retry else (0, None)
            ok, detail = _attempt(c, ctx)
            if not ok and self.retry and self.retry.resets(ctx) > resets:
                first = detail.splitlines()[0][:200]
                self.retry.fresh(ctx, mark)
                ok, detail = _attempt(c, ctx)
                detail = f"{detail} (second go: {self.retry.what} during the first, which said: {first})"
            results.append(CheckResult(c.name, ok, detail, "" if ok else c.hint, time.monotonic() - t0))
            if on_result is not None:
                on_result(results[-1])
        return results


def _attempt(c: Check, ctx: dict) -> tuple[bool, str]:
    try:
        return True, c.func(ctx) or "ok"
    except (CheckFailed, LabError) as exc:
        return False, str(exc)


def require(cond, message: str) -> None:
    if not cond:
        raise CheckFailed(message)


def need(ctx: dict, key: str, what: str):
    """A value an earlier check put in ctx, or a failure naming the earlier check."""
    if ctx.get(key) is None:
        raise CheckFailed(f"cannot check: {what} was not found (see the earlier failure)")
    return ctx[key]


def experiment_name(ctx: dict, default: str) -> str:
    """The experiment the checks look at: the caller's ``experiment=`` (a learner's on a shared server), else the lab's."""
    return ctx.get("experiment_name") or default
