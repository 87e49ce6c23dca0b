"""What a proof costs, counted where it is spent: MLflow server starts, README runs (whole or partial),
browser launches. A change that adds a server start or a README run shows in the next `scripts/test` table.

Each event is one JSON line appended to the file MLFLOW_LABS_COST_FILE names (scripts/test sets one per tox
env); unset, nothing is counted. Appending one short line is atomic, so the pytest process and every CLI it
starts (`mlflow-labs run lab1` in a test) write to the same file without a lock. Each line carries the test
that was running (pytest's PYTEST_CURRENT_TEST, inherited by subprocesses), so a table can say which test
paid for what.
"""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from pathlib import Path

from mlflow_labs import settings

SERVER = "server starts"          # an MLflow server process (or container) started: the harness's or a README's
README_WHOLE = "README runs"      # a README whose every block of its path ran (or was recorded as skipped)
README_PARTIAL = "README partial runs"  # a README run that stopped early or ran only some blocks
BROWSER = "browser launches"      # a Chromium started by lab 5 or lab 7
KINDS = (SERVER, README_WHOLE, README_PARTIAL, BROWSER)


def count(kind: str, what: str = "") -> None:
    """Add one ``kind`` event (``what``: a few words saying which, for the per-test breakdown)."""
    path = settings.current().cost_file
    if path is None:
        return
    test = os.environ.get("PYTEST_CURRENT_TEST", "").rsplit(" ", 1)[0]  # "path::name[id] (call)": drop the phase
    line = json.dumps({"kind": kind, "what": what[:120], "test": test, "pid": os.getpid(), "t": round(time.time(), 1)})
    try:
        with open(path, "a", encoding="utf-8") as f:
            f.write(line + "\n")
    except OSError:  # counting must never fail a lab
        pass


def read(path: Path) -> list[dict]:
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError:
        return []
    out = []
    for line in lines:
        try:
            out.append(json.loads(line))
        except ValueError:  # a line cut short by a killed process
            continue
    return out


def totals(events: list[dict]) -> dict[str, int]:
    """kind -> how many, every kind present (0 where none happened)."""
    c = Counter(e.get("kind") for e in events)
    return {k: c.get(k, 0) for k in KINDS}


def by_test(events: list[dict], kind: str) -> Counter:
    """test id -> how many ``kind`` events it caused (fixtures count under the first test that needed them)."""
    return Counter(e.get("test") or "(outside a test)" for e in events if e.get("kind") == kind)
