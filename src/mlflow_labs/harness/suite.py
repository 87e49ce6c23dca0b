"""Check results and the runner that turns a list of check functions into results.

A check function takes a shared context dict (tracking client plus what earlier checks found)
and returns a detail string on success or raises CheckFailed. Later checks that need something
an earlier one failed to find fail too: a check that passes on nothing proves nothing.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Callable

from mlflow_labs.harness.errors import LabError
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


@dataclass
class CheckSuite:
    lab: str
    checks: list[Check] = field(default_factory=list)

    def check(self, name: str, hint: str):
        def deco(func):
            self.checks.append(Check(name, func, hint))
            return func
        return deco

    def run(self, uri: str, **options) -> list[CheckResult]:
        ctx: dict = {"client": TrackingClient(uri), "uri": uri, **options}
        results = []
        for c in self.checks:
            t0 = time.monotonic()
            try:
                detail = c.func(ctx) or "ok"
                ok = True
            except (CheckFailed, LabError) as exc:
                detail, ok = str(exc), False
            results.append(CheckResult(c.name, ok, detail, "" if ok else c.hint, time.monotonic() - t0))
        return results


def require(cond, message: str) -> None:
    if not cond:
        raise CheckFailed(message)


def need(ctx: dict, key: str, what: str):
    """A value an earlier check put in ctx, or a failure naming the earlier check."""
    if ctx.get(key) is None:
        raise CheckFailed(f"cannot check: {what} was not found (see the earlier failure)")
    return ctx[key]
