"""Lab 5's README, clicked as written: every "click **X**", "open the **X** tab", "choose `x`" of its
steps 3-6 replayed in chromium by the words the README uses (harness/ui_steps.py), against a server
that holds the lab's runs. A README whose words the UI no longer shows fails at README:LINE."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Callable

from mlflow_labs import settings
from mlflow_labs.harness import ui_steps
from mlflow_labs.harness.readme.steps import port_substitution
from mlflow_labs.lab5 import SPEC, checks
from mlflow_labs.lab5.browser import BrowserSession

FIRST_STEP = "## 3."   # the UI begins in step 3; steps 1-2 are shell blocks, step 7 the check command
LAST_STEP = "## 7."


def steps_of(readme: Path) -> list[ui_steps.UiStep]:
    lines = readme.read_text().splitlines()
    start = next(i for i, ln in enumerate(lines, 1) if ln.startswith(FIRST_STEP))
    end = next(i for i, ln in enumerate(lines, 1) if ln.startswith(LAST_STEP))
    steps = ui_steps.parse(readme.read_text(), start_line=start, end_line=end)
    if not steps:  # a README with nothing to click would make this replay pass on nothing
        raise ui_steps.UiStepFailed(f"{readme}:{start}: no UI instruction (click **X**, open the **X** tab, ...) in "
                                    f"steps 3-6: the replay would prove nothing")
    return steps


def replay(uri: str, readme: Path, shots: Path, *, source: str | None = None,
           progress: Callable[[str], None] = lambda m: None, timeout_ms: int | None = None,
           fail_fast: tuple[int, int] | None = None) -> list[ui_steps.UiStep]:
    """Replays the README's UI steps at ``uri`` (its port in place of the README's); raises UiStepFailed at README:LINE.
    ``fail_fast=(line, ms)``: from that README line on, each step waits ``ms`` (a test whose line must fail)."""
    port = uri.rstrip("/").rsplit(":", 1)[-1]
    sub = port_substitution(SPEC.port, int(port))

    def substitute(text: str) -> str:
        return re.sub(sub.pattern, sub.replacement, text)

    steps = steps_of(readme)
    timeout_ms = timeout_ms or settings.browser_step_timeout_ms()  # MLFLOW_LABS_BROWSER_STEP_TIMEOUT
    with BrowserSession(shots, step_timeout_ms=timeout_ms) as browser:
        r = ui_steps.UiReplay(browser.page, source or str(readme), substitute=substitute,
                              timeout_ms=timeout_ms, progress=progress, fail_fast=fail_fast)
        try:
            return r.run(steps, between=checks.close_assistant)  # a person closes that panel unprompted
        except ui_steps.UiStepFailed as exc:
            shot = browser.screenshot("readme-ui-FAILED")
            raise ui_steps.UiStepFailed(f"{exc} Screenshot: {shot}") from None
