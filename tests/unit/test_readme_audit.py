"""Every shell block of every lab README is either run by the harness or skipped with a stated reason."""

from __future__ import annotations

import pytest

from mlflow_labs.harness.docs import audit
from mlflow_labs.labs import LABS, repo_root

pytestmark = pytest.mark.unit

READMES = sorted((repo_root() / "labs").rglob("*.md"))


@pytest.mark.parametrize("readme", READMES, ids=lambda p: str(p.relative_to(repo_root())))
def test_no_shell_block_is_silently_ignored(readme):
    problems = [f"{readme.relative_to(repo_root())}:{b.line}: {why}" for b, why in audit(readme)]
    assert not problems, problems


def test_every_lab_has_a_readme():
    missing = [lab.name for lab in LABS.values() if not lab.readme.exists()]
    assert not missing, missing
