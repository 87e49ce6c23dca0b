"""Lab 7's README as a learner types it: a fresh HOME, the course venv in the first terminal, Step 0 as
typed (the plugin's venv from a Python 3.12+ found on this machine, `pip install`, the IdP copied and
`npm ci` in the lab's folder), the IdP and MLflow each in a terminal of their own, the sign-ins and
tokens done in ONE Chromium window with the README's own words (harness/ui_steps.py), people one after
the other, signing out between them, and pasted where the README reads them (`read -rs`), then
`mlflow-labs check lab7` as Step 7 runs it; only the two ports and `<PYTHON-3.12+>` are filled in, and
nothing may be left running. The same browser words shown able to fail (a renamed button fails at its README
line) run on the lab 7 env's servers: tests/lab7/test_9_readme_words_by_hand.py."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from mlflow_labs.byhand import replay

from .conftest import assert_check_block_passed, assert_replayed

pytestmark = pytest.mark.lab7


@pytest.fixture(autouse=True)
def _browser():
    from mlflow_labs.errors import PrerequisiteMissing
    from mlflow_labs.lab7.browser import CHROMIUM_FIX, find_chromium
    try:
        find_chromium()
    except PrerequisiteMissing as exc:
        pytest.skip(f"no Chromium for lab 7's sign-ins: {exc} (fix: {CHROMIUM_FIX})")


@pytest.fixture(scope="module")
def replayed(progress):
    """The README replayed once, as typed, in a fresh HOME under a folder this module keeps (and removes at
    its end): (its report, that folder)."""
    workdir = Path(tempfile.mkdtemp(prefix="mlflow-labs-lab7-byhand-", dir="/tmp"))
    try:
        with pytest.MonkeyPatch.context() as mp:
            for key in [k for k in os.environ if k.startswith(("LAB7_", "OIDC_", "SECRET_KEY"))]:
                mp.delenv(key)  # (the replay's env is built from nothing anyway; this makes it plain)
            report = replay("lab7", progress=progress, workdir=workdir)
        yield report, workdir
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def test_lab7_replays_by_hand(replayed):
    report, _ = replayed
    assert_replayed(report)
    assert not [r for r in report.rows if r.status == "skipped"], report.table()   # Step 0 too: as typed
    step0 = [r for r in report.rows if "-m venv ~/.venv-sso" in r.step]
    assert [r.status for r in step0] == ["passed"], report.table()
    assert any(k.startswith("<PYTHON-3.12+> -> ") for k in report.substitutions), report.substitutions
    pasted = sorted(k for k in report.substitutions if "pasted" in k)
    assert len(pasted) == 2 and "5 line(s)" in pasted[0] + pasted[1], report.substitutions  # 5 tokens, 1 cookie
    assert any("mallory" in k for k in report.substitutions), report.substitutions
    # Step 7's `mlflow-labs check lab7` (it exits 1 on any FAIL) ran and passed, with the pasted credentials
    assert_check_block_passed(report, "lab7")
