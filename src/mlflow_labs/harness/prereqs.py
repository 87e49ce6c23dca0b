"""A prerequisite (present or absent, with the command that fixes it) and checking a list of them.

Each lab lists its own in its spec (``LabSpec.prereqs``); `mlflow-labs doctor` prints every lab's, and a
lab that refuses to start (lab 2) raises from the same list (`missing`), so both name the same fix."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable

from mlflow_labs.errors import PrerequisiteMissing


@dataclass(frozen=True)
class Prereq:
    name: str
    probe: Callable[[], str | None]  # version/description when present, None when absent
    fix: str | Callable[[], str]      # the command that fixes it (computed when it depends on why it is absent)
    piece: str = ""                   # short id in a lab's refusal ("docker", "kind", ...)
    absent: str | Callable[[], str] = ""  # the sentence saying what is wrong, when absent
    labs: tuple[str, ...] = ()        # filled in by doctor: the labs that list it


@dataclass
class Status:
    prereq: Prereq
    present: bool
    detail: str
    what: str = ""  # when absent: what is wrong
    fix: str = ""   # when absent: what to do


def _text(value) -> str:
    return value() if callable(value) else value


def check(prereqs: Iterable[Prereq], only: tuple[str, ...] | None = None) -> list[Status]:
    """Each prerequisite probed (only those named in ``only`` when given); a probe never crashes the caller."""
    out = []
    for p in prereqs:
        if only and p.name not in only:
            continue
        fix = _text(p.fix)
        try:
            detail = p.probe()
        except Exception as exc:  # a probe must never crash doctor
            detail, fix = None, f"{fix} (probe failed: {exc})"
        what = "" if detail is not None else (_text(p.absent) or f"{p.name} is missing.")
        out.append(Status(p, detail is not None, detail or "absent", what, fix))
    return out


def missing(prereqs: Iterable[Prereq], only: tuple[str, ...] | None = None) -> list[PrerequisiteMissing]:
    """What is absent, each a PrerequisiteMissing (its ``piece`` set) with the same fix doctor prints."""
    out = []
    for s in check(prereqs, only):
        if not s.present:
            m = PrerequisiteMissing(s.what, s.fix)
            m.piece = s.prereq.piece or s.prereq.name
            out.append(m)
    return out
