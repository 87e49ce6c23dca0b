"""Lab 7's browser words as the learner replay does them (lab7/byhand.py's BrowserSteps: the replay's paste hook),
shown able to fail: a README whose Step 5 names a button the plugin does not have fails at that README line.

It runs the hook on this session's lab 7 (the IdP and MLflow the README started, tests/lab7/conftest.py), in a
browser window of its own, from a real LearnerReplay of the changed README that starts nothing: what the
hook is given when the replay reaches the token block. The whole replay passing, the same words as typed,
is tests/byhand/test_byhand_lab7.py; a failure in a block stopping the replay at its line is the other
labs' by-hand tests. Replaying Steps 0 to 4 again only to reach this line cost a whole lab 7 (34 s here)."""

from __future__ import annotations

import shutil
from concurrent.futures import ThreadPoolExecutor

import pytest

from mlflow_labs.errors import LabError
from mlflow_labs.harness.readme.placeholders import host_port
from mlflow_labs.harness.readme.replay import LearnerReplay
from mlflow_labs.lab7 import SPEC
from mlflow_labs.lab7.byhand import TOKEN_PROMPT, BrowserSteps

pytestmark = [pytest.mark.lab7, pytest.mark.harness]


def test_a_renamed_button_fails_the_readme_words_at_its_line(lab, tmp_path, progress):
    readme = tmp_path / "labs" / SPEC.dir.name / "README.md"
    shutil.copytree(SPEC.dir, readme.parent)
    lines = readme.read_text().splitlines(keepends=True)
    (i,) = [i for i, ln in enumerate(lines) if "click **Tokens**, then" in ln][:1]
    lines[i] = lines[i].replace("click **Tokens**, then", "click **Access tokens**, then")
    readme.write_text("".join(lines))
    replay = LearnerReplay(readme, workdir=tmp_path / "replay", progress=progress,
                           placeholders=[host_port(7607, lab.port), host_port(7707, lab.idp_port)])
    words = BrowserSteps(readme, progress=progress, shots=tmp_path / "shots", fail_fast=(i + 1, 5_000))
    token_block = next(b for b in replay.blocks if TOKEN_PROMPT.search(b.text))

    def reach_the_token_block() -> LabError | None:
        try:
            words(replay, token_block)
        except LabError as exc:
            return exc
        finally:
            words.close()
        return None

    # a thread of its own: the session's browser holds this thread's Playwright (one sync Playwright per thread)
    try:
        with ThreadPoolExecutor(1) as pool:
            failed = pool.submit(reach_the_token_block).result()
    finally:
        replay.close()
    assert failed is not None, "the README's words went through with a button the plugin does not have"
    assert f"{readme}:{i + 1}: the README says" in str(failed), failed
    assert "'Access tokens'" in str(failed), failed
