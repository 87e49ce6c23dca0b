"""The learner replay by lab name (`mlflow-labs run LAB --by-hand`, tests/byhand): the registry's spec of
LAB handed to harness/readme/replay.py, with its spec's table (or the lab's own, labN/byhand.py)."""

from __future__ import annotations

from pathlib import Path

from mlflow_labs.harness.readme import replay as _replay
from mlflow_labs.harness.report import Report
from mlflow_labs.labs import get_lab


def placeholders(lab: str, route: str | None = None) -> tuple[str, list, str | None]:
    """(where the learner starts, the placeholders, the unprivileged user to replay as when root)."""
    table = get_lab(lab).byhand_table(route)
    return table.start, table.placeholders, table.user


def replay(lab: str, route: str | None = None, *, readme: Path | None = None, progress=print,
           workdir: Path | None = None) -> Report:
    return _replay.replay(get_lab(lab), route, readme=readme, progress=progress, workdir=workdir)
