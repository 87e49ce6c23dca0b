"""`mlflow-labs doctor [LAB]`: every lab's prerequisites, present or absent, with the fix of each missing one.

Each lab lists its own (its spec's ``prereqs``); a prerequisite several labs share (Docker, mlflow) is
the same object in each list (infra/probes.py), printed once with the labs that need it."""

from __future__ import annotations

from dataclasses import replace

from mlflow_labs.harness.prereqs import Prereq, Status, check
from mlflow_labs.labs import LABS, get_lab


def all_prereqs(lab: str | None = None) -> list[Prereq]:
    """Each prerequisite once (in lab order), its ``labs`` naming every lab that lists it."""
    specs = [get_lab(lab)] if lab else list(LABS.values())
    found: dict[str, Prereq] = {}
    for spec in specs:
        for p in spec.prerequisites():
            seen = found.get(p.name)
            found[p.name] = replace(p, labs=(*(seen.labs if seen else ()), spec.name))
    return list(found.values())


def check_all(lab: str | None = None) -> list[Status]:
    return check(all_prereqs(lab))


PREREQS = all_prereqs()
