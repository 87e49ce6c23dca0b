"""Lab 5's README clicked as written (harness/ui_steps.py): every "click **X**", "open the **X** tab",
"choose `x`" of steps 3-6, found by the words the README uses, on the lab's real server and runs.
And a copy of the README with a renamed button fails at that button's line."""

from __future__ import annotations

import shutil

import pytest

from mlflow_labs.harness.ui_steps import UiStepFailed
from mlflow_labs.lab5 import readme_ui
from mlflow_labs.labs import get_lab

pytestmark = pytest.mark.lab5

README = get_lab("lab5").readme


def test_every_ui_instruction_of_the_readme_is_replayed(lab5):
    """The session's run replayed the README's UI words (Lab5Run.replay_readme_ui), every one of them."""
    steps = readme_ui.steps_of(README)
    verbs = {s.verb for s in steps}
    assert {"open", "click", "tab", "choose", "tick"} <= verbs, steps  # the grammar the README uses, all of it
    assert lab5.ui_done == steps


@pytest.mark.harness  # a README mutation: proves the UI replay can fail
def test_a_renamed_button_fails_at_its_line(lab5, tmp_path, progress):
    copy = tmp_path / "README.md"
    shutil.copy(README, copy)
    lines = copy.read_text().splitlines(keepends=True)
    (i,) = [i for i, ln in enumerate(lines) if "A **Compare** button" in ln]
    lines[i] = lines[i].replace("A **Compare** button", "A **Compare runs** button")
    copy.write_text("".join(lines))
    with pytest.raises(UiStepFailed) as err:
        # the steps before it keep the wait a loaded machine needs; the renamed one fails in 5 s
        readme_ui.replay(lab5.uri, copy, tmp_path / "shots", progress=progress, timeout_ms=15_000,
                         fail_fast=(i + 1, 5_000))
    message = str(err.value)
    assert message.startswith(f"{copy}:{i + 1}: the README says "), message
    assert "'Compare runs'" in message and "Screenshot:" in message
    assert "Timeout 5000ms" in message, message  # the renamed line's own wait, not the others'
