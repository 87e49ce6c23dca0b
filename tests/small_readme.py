"""A small README written by a test, for the README executors (the harness's runner, the learner replay)
to run: indented to sit in the test's code, ``~~~`` for a fence (a fence inside a Python string is hard
to read)."""

from __future__ import annotations

import textwrap
from pathlib import Path


def write_readme(tmp_path: Path, body: str) -> Path:
    """``body`` as <tmp>/labs/labX/README.md (so a replay's 'repo' start dir is <tmp>), dedented, fences made."""
    path = tmp_path / "labs" / "labX" / "README.md"
    path.parent.mkdir(parents=True)
    path.write_text(textwrap.dedent(body).replace("~~~", "```"))
    return path
