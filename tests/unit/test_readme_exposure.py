"""Erratum 7, as a rule over every lab README: no block a learner runs publishes an unauthenticated
MLflow server beyond loopback (a port-forward on 0.0.0.0, a `docker run -p PORT:...` with no host IP)."""

from __future__ import annotations

import re

import pytest

from mlflow_labs.harness.docs import parse_blocks
from mlflow_labs.labs import repo_root

pytestmark = pytest.mark.unit

EXPOSING = [
    (re.compile(r"port-forward\b.*--address[ =]0\.0\.0\.0"), "port-forward on every interface"),
    (re.compile(r"docker run\b.*\s-p\s+\d+:\d+"), "docker run -p PORT:PORT publishes on every interface"),
]


def _runnable_blocks():
    for readme in sorted((repo_root() / "labs").rglob("README.md")):
        for b in parse_blocks(readme.read_text()):
            if b.action in ("run", "background"):
                yield readme.relative_to(repo_root()), b


def test_no_runnable_block_publishes_mlflow_beyond_loopback():
    found = [f"{readme}:{b.line}: {why}" for readme, b in _runnable_blocks()
             for pattern, why in EXPOSING if pattern.search(b.text)]
    assert not found, found


@pytest.mark.parametrize("text", ["kubectl port-forward svc/mlflow 7006:80 --address 0.0.0.0",
                                  "docker run -d -p 7006:5000 img mlflow server"])
def test_the_rule_catches_exposure(text):
    assert any(p.search(text) for p, _ in EXPOSING)
