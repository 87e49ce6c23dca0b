"""What a README run records: one Step per block (README:LINE, status, time, output), the
Substitutions it made, and `timed`, the one way every step loop times a step."""

from __future__ import annotations

import re
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Callable, Iterable

from mlflow_labs.errors import LabError


@dataclass
class Substitution:
    """What a run types in place of what the README shows (the harness's free port; the learner replay's
    placeholders, harness/readme/placeholders.py), and why: each one that changed something is reported."""
    pattern: str            # a regular expression
    replacement: str | Callable[[re.Match], str]
    reason: str

    def apply(self, text: str) -> str:
        return re.sub(self.pattern, self.replacement, text)

    def describe(self) -> str:
        return f"{self.pattern!r} -> {self.replacement!r}" if isinstance(self.replacement, str) else "substituted"


def substitute(rules: Iterable[Substitution], text: str, applied: dict[str, str]) -> str:
    """``text`` with every rule applied in order; each rule that changed something lands in ``applied``."""
    for rule in rules:
        new = rule.apply(text)
        if new != text:
            applied.setdefault(rule.reason, rule.describe())
        text = new
    return text


@dataclass
class Step:
    readme: str
    line: int
    action: str
    summary: str
    status: str = "pending"  # passed | failed | skipped | shown
    seconds: float = 0.0
    note: str = ""
    output: str = field(default="", repr=False)  # the block's whole stdout + stderr (note keeps its tail)

    @property
    def where(self) -> str:
        return f"{self.readme}:{self.line}"

    def as_dict(self) -> dict:
        d = {**asdict(self), "where": self.where}
        d.pop("output")
        return d


class DocStepError(LabError):
    def __init__(self, step: Step, message: str):
        self.step = step
        super().__init__(f"{step.where}: {message}")


@contextmanager
def timed(step: Step):
    """Time what the block adds to ``step.seconds``; anything raised inside marks the step failed."""
    t0 = time.monotonic()
    try:
        yield step
    except BaseException:
        step.status = "failed"
        raise
    finally:
        step.seconds += time.monotonic() - t0


def port_substitution(documented: int, actual: int) -> Substitution:
    return Substitution(rf"(?<![\d]){documented}(?![\d])", str(actual),
                        f"port {documented} -> free port {actual} (so parallel runs and a busy {documented} do not collide)")
