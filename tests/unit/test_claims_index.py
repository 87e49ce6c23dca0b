"""labs/CLAIMS.md names, for every claim a lab makes, the test that fails when the claim is false.

This keeps the index honest: every lab in the registry has a section, every claim cites at least one
test, every cited test exists, and every erratum in labs/ERRATA.md cites one too."""

from __future__ import annotations

import re

import pytest

from mlflow_labs.labs import LABS, repo_root

pytestmark = pytest.mark.unit

CITE = re.compile(r"`(tests/[\w/]+\.py)::(\w+)`")


def _sections(text: str, heading: str) -> dict[str, str]:
    parts = re.split(rf"^{heading}\s+(.+)$", text, flags=re.M)
    return {parts[i].strip(): parts[i + 1] for i in range(1, len(parts) - 1, 2)}


def _missing(cites) -> list[str]:
    out = []
    for path, name in cites:
        f = repo_root() / path
        # a test written `def name(`, or made by a factory and bound at module level (`a, name = factory(...)`)
        if not f.exists() or not re.search(rf"^(async )?def {name}\(|^[\w, ]*\b{name}\b[\w, ]* = ", f.read_text(), re.M):
            out.append(f"{path}::{name}")
    return out


def test_every_registered_lab_has_claims_and_every_claim_a_test():
    sections = _sections((repo_root() / "labs" / "CLAIMS.md").read_text(), "##")
    assert set(LABS) <= set(sections), f"labs with no claims section: {sorted(set(LABS) - set(sections))}"
    uncited = [f"{lab}: {line[:70]}" for lab, body in sections.items()
               for line in body.splitlines() if line.startswith("- ") and not CITE.search(line)]
    assert not uncited, f"claims with no test: {uncited}"


def test_every_cited_test_exists():
    cites = CITE.findall((repo_root() / "labs" / "CLAIMS.md").read_text())
    assert cites
    assert not _missing(cites), _missing(cites)


def test_every_erratum_cites_an_existing_test():
    errata = _sections((repo_root() / "labs" / "ERRATA.md").read_text(), "##")
    assert errata
    bare = [title for title, body in errata.items() if not CITE.search(body)]
    assert not bare, f"errata with no proving test: {bare}"
    assert not _missing(CITE.findall("".join(errata.values())))
