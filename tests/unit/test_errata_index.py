"""Every test that labs/ERRATA.md cites as proof exists, so the errata cannot point at nothing."""

from __future__ import annotations

import re

import pytest

from mlflow_labs.labs import repo_root

pytestmark = pytest.mark.unit


def test_every_cited_test_exists():
    text = (repo_root() / "labs" / "ERRATA.md").read_text()
    cited = re.findall(r"`(tests/[\w/]+\.py)(?:::(\w+))?", text)
    # every erratum (each `## N.` section) cites at least one test: counted from the file, not a number here
    sections = re.split(r"^## \d+\. ", text, flags=re.M)[1:]
    assert sections, "no numbered errata found"
    bare = [s.splitlines()[0] for s in sections if not re.search(r"`tests/[\w/]+\.py", s)]
    assert not bare, f"errata citing no test: {bare}"
    missing = []
    for path, name in cited:
        f = repo_root() / path
        if not f.exists() or (name and not re.search(rf"^def {name}\(", f.read_text(), re.M)):
            missing.append(f"{path}::{name}")
    assert not missing, missing
