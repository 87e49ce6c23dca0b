"""labs/CLAIMS.md lists, per lab, the README's outcome sentences (what the learner is told they will see) and
what holds each: a check of `mlflow-labs check` with a near miss where the story differs, or, where no check
can (it needs the harness's own restart, say), the reason and the harness test. This keeps that list true
to the READMEs and the code: each sentence is in its lab's README as quoted, each check named is registered
for that lab, and each near miss named is one of that check's near-miss states (tests/nearmiss/<lab>_states.py).

A bullet reads:  - README Step 3: "<the README's words>" — check `<name>`; near miss: *<its why>* — `tests/...`
or:              - README Step 7: "<the README's words>" — no check: <why not> — `tests/...`
"""

from __future__ import annotations

import re

import pytest

from mlflow_labs.labs import LABS, repo_root
from tests.nearmiss import registered, states_module

pytestmark = pytest.mark.unit

HEADING = "### Outcome sentences"
BULLET = re.compile(r'^- README ([^:]+): "(.+?)" — (.*)$')


def _outcomes() -> dict[str, list[str]]:
    """lab -> the bullets of its "Outcome sentences" part (joined across wrapped lines)."""
    text = (repo_root() / "labs" / "CLAIMS.md").read_text()
    parts = re.split(r"^## (\S+)\s*$", text, flags=re.M)
    out = {}
    for lab, body in zip(parts[1::2], parts[2::2]):
        if HEADING not in body:
            continue
        block = re.split(r"^#{2,3} ", body.split(HEADING, 1)[1], flags=re.M)[0]
        out[lab] = [b.strip().replace("\n", " ") for b in re.split(r"^(?=- )", block, flags=re.M) if b.startswith("- ")]
    return out


def _words(text: str) -> str:
    return " ".join(text.split())


def _cases(lab: str):
    states = states_module(lab)
    return [*states.NEAR_MISSES.values(), *getattr(states, "EXTRA", [])]


@pytest.mark.parametrize("lab", list(LABS))
def test_every_lab_lists_its_outcome_sentences(lab):
    assert _outcomes().get(lab), f"labs/CLAIMS.md ## {lab} has no '{HEADING}' part with bullets"


@pytest.mark.parametrize("lab", list(LABS))
def test_each_outcome_sentence_is_the_readmes_and_held_by_a_check_with_a_near_miss_or_says_why_not(lab):
    readme = _words(LABS[lab].readme.read_text())
    checks = registered(LABS[lab].checks())
    cases = _cases(lab)
    for bullet in _outcomes().get(lab, []):
        m = BULLET.match(bullet)
        assert m, f"{lab}: not '- README <where>: \"<sentence>\" — ...': {bullet[:90]}"
        where, sentence, rest = m.groups()
        assert _words(sentence) in readme, f"{lab}: README ({where}) does not say: {sentence!r}"
        named = re.findall(r"check `([^`]+)`", rest.split(" — `tests/")[0])
        if not named:
            assert rest.startswith("no check: "), f"{lab}: {sentence[:60]!r} names no check and does not say why"
            continue
        unknown = [n for n in named if n not in checks]
        assert not unknown, f"{lab}: {sentence[:60]!r} names checks that are not registered: {unknown}"
        said = rest.split("near miss", 1)
        assert len(said) == 2, f"{lab}: {sentence[:60]!r} names no near miss where the story differs"
        misses = re.findall(r"\*([^*]+)\*", said[1].split(" — `tests/")[0])
        assert misses, f"{lab}: {sentence[:60]!r}: 'near miss: *<its why>*'"
        for why in misses:
            found = [c for c in cases if c.why.startswith(_words(why).rstrip(". "))]
            assert found, f"{lab}: no near-miss state of {lab} has the why {why!r}"
            assert {c.check for c in found} & set(named), (
                f"{lab}: the near miss {why!r} is about {[c.check for c in found]}, none of the checks named")
