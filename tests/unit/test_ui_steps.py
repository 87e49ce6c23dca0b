"""The README UI-instruction grammar (harness/ui_steps.py): what is an instruction, at which line."""

from __future__ import annotations

import pytest

from mlflow_labs.harness.ui_steps import parse

pytestmark = pytest.mark.unit

TEXT = """# A lab

Open <http://localhost:7006>, click **Experiments**, then
**wine-compare**. Some **bold** words are not instructions.

```bash
click **Not this** (inside code)
```

Go to **Model training** > **Runs**, open the **Scatter Plot** tab and choose `accuracy`.
A **Compare** button appears above the table; click it.
A pop-up you can dismiss with *Got it*. Tick the boxes of the runs.
"""


def test_instructions_in_order_with_their_lines():
    got = [(s.line, s.verb, s.target) for s in parse(TEXT)]
    assert got == [(3, "open", "http://localhost:7006"), (3, "click", "Experiments"), (4, "click", "wine-compare"),
                   (10, "click", "Model training"), (10, "click", "Runs"), (10, "tab", "Scatter Plot"),
                   (10, "choose", "accuracy"), (11, "click", "Compare"), (12, "dismiss", "Got it"), (12, "tick", "")]


def test_a_line_range_limits_the_instructions():
    assert [s.target for s in parse(TEXT, start_line=11, end_line=11)] == ["Compare"]


FORM = """Sign in: type `alice` into **Enter any login**
and `pw` into **and password**, click **Sign-in**. Then type `scripts` into **Name** and press Enter,
then copy it from the **Token** field. (You may type `memory` in *Search*: italics, no instruction.)
"""


def test_typing_pressing_and_copying_are_instructions_with_their_values():
    got = [(s.line, s.verb, s.target, s.value) for s in parse(FORM)]
    assert got == [(1, "fill", "Enter any login", "alice"), (2, "fill", "and password", "pw"),
                   (2, "click", "Sign-in", ""), (2, "fill", "Name", "scripts"), (2, "press", "Enter", ""),
                   (3, "copy", "Token", "")]


def test_fail_fast_shortens_the_wait_from_its_line_on_and_only_there():
    from mlflow_labs.harness.ui_steps import UiReplay, UiStep

    r = UiReplay(None, "README.md", timeout_ms=30_000, fail_fast=(12, 5_000))
    waits = [r.wait_ms(UiStep(line, "click", "X", "click **X**")) for line in (11, 12, 40)]
    assert waits == [30_000, 5_000, 5_000]
    assert UiReplay(None, "README.md", timeout_ms=30_000).wait_ms(UiStep(99, "click", "X", "")) == 30_000
