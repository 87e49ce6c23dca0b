"""Lab 7 by hand: the README's browser steps done the way a learner does them, for the learner replay.

Steps 5 and 7 read a token and a session cookie with `read -rs`: the learner signs in in a browser,
copies, and pastes. `BrowserSteps` is the replay's ``paste`` hook: when the replay reaches such a
block, it replays the README's own words in headless Chromium (harness/ui_steps.py: "type `alice`
into **Enter any login**", "click **Tokens**", "copy it from the **Token** field"), one private
window per person, and returns what was copied, one line per prompt, for the block's stdin. So a
renamed button or field fails at its README line, as in lab 5.

mallory's refusal (Step 4: "Do the same as `mallory`") is replayed too, with the same words; the
page must say what the README quotes. The session cookie of Step 7 is read from alice's window's
cookie store: what the README sends the learner to the developer tools for.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Callable

from mlflow_labs.errors import LabError
from mlflow_labs.harness.net import free_port
from mlflow_labs.harness.readme.placeholders import host_port, literal
from mlflow_labs.harness.spec import ByHand
from mlflow_labs.harness.ui_steps import UiReplay, UiStep, parse
from mlflow_labs.lab7.browser import REFUSED, STEP_MS, Browser

TOKEN_PROMPT = re.compile(r'for who in ([\w ]+); do read -rsp "\$who\'s token: "')
SESSION_PROMPT = re.compile(r'read -rsp "(\w+)\'s session cookie: "')
SIGN_IN_AS = "alice"   # the name Step 4's words type; the other people follow the same words
OUTSIDER = "mallory"


def _section(markdown: str, number: int) -> tuple[int, int]:
    """(first, last) line of `## N.` in the README."""
    lines = markdown.splitlines()
    start = next(i for i, ln in enumerate(lines, 1) if ln.startswith(f"## {number}."))
    end = next((i - 1 for i, ln in enumerate(lines, 1) if i > start and ln.startswith("## ")), len(lines))
    return start, end


class BrowserSteps:
    """The replay's paste hook for lab 7 (see the module doc)."""

    def __init__(self, readme: Path, *, progress: Callable[[str], None] = print, shots: Path | None = None):
        text = Path(readme).read_text()
        self.readme = Path(readme)
        self.sign_in = parse(text, start_line=_section(text, 4)[0], end_line=_section(text, 4)[1])
        self.token = parse(text, start_line=_section(text, 5)[0], end_line=_section(text, 5)[1])
        for what, steps, verbs in (("Step 4's sign-in", self.sign_in, {"open", "fill", "click"}),
                                   ("Step 5's token", self.token, {"click", "fill", "copy"})):
            if not verbs <= {s.verb for s in steps}:
                raise LabError(f"{readme}: {what} words give the browser no {sorted(verbs - {s.verb for s in steps})} "
                               f"instruction (found {[f'{s.verb} {s.target}' for s in steps]}): the learner replay "
                               f"cannot do what the README asks. Fix the README's words.")
        self.progress = progress
        self.browser: Browser | None = None
        self.shots = shots
        self.windows: dict[str, object] = {}   # person -> their browser context (a private window)

    def __call__(self, replay, block) -> str | None:
        m = TOKEN_PROMPT.search(block.text)
        if m:
            self._start()
            tokens = [self._token(replay, who) for who in m.group(1).split()]
            self._refused(replay, OUTSIDER)
            return "".join(t + "\n" for t in tokens)
        m = SESSION_PROMPT.search(block.text)
        if m:
            who = m.group(1)
            window = self.windows.get(who)
            if window is None:
                raise LabError(f"{replay.display}:{block.line} asks for {who}'s session cookie, but {who} never "
                               f"signed in in the browser before it: the README's steps are out of order")
            uri = replay.substitute("http://localhost:7607")
            cookie = next((c["value"] for c in window.cookies(uri) if c["name"] == "session"), None)
            if not cookie:
                raise LabError(f"{who}'s browser holds no `session` cookie for {uri}: nothing to copy at "
                               f"{replay.display}:{block.line}")
            return cookie + "\n"
        return None

    def _start(self) -> None:
        if self.browser is None:
            self.browser = Browser(self.shots or Path("/tmp") / "mlflow-labs-lab7-byhand-shots").start()

    def _window(self, who: str):
        context = self.browser.new_window()
        self.windows[who] = context
        return context.new_page()

    def _steps_as(self, steps: list[UiStep], who: str) -> list[UiStep]:
        """Step 4's words with `alice` typed as ``who``: 'Sign in as `alice`, `bob`, ...'."""
        return [UiStep(s.line, s.verb, s.target, s.sentence, who if s.verb == "fill" and s.value == SIGN_IN_AS
                       else s.value) for s in steps]

    def _token(self, replay, who: str) -> str:
        page = self._window(who)
        ui = UiReplay(page, replay.display, substitute=replay.substitute, timeout_ms=STEP_MS,
                      progress=lambda m: self.progress(f"{m} (as {who})"))
        ui.run(self._steps_as(self.sign_in, who) + self.token)
        return ui.clipboard

    def _refused(self, replay, who: str) -> None:
        page = self._window(who)
        UiReplay(page, replay.display, substitute=replay.substitute, timeout_ms=STEP_MS,
                 progress=lambda m: self.progress(f"{m} (as {who})")).run(self._steps_as(self.sign_in, who))
        try:
            page.get_by_text(REFUSED).first.wait_for(state="visible", timeout=STEP_MS)
        except Exception:  # noqa: BLE001 - Playwright's timeout: the page does not say it
            raise LabError(f"{replay.display}: Step 4 says MLflow refuses {who} with \"{REFUSED}\", but after her "
                           f"sign-in the page at {page.url} shows: {page.inner_text('body')[:200]!r}") from None
        replay.report.substituted(f"Step 4: signed in as {who} with Step 4's words; MLflow showed "
                                  f"\"{REFUSED}\"", "browser")

    def close(self) -> None:
        if self.browser:
            self.browser.close()
            self.browser = None


def table(route: str | None = None) -> ByHand:
    """Lab 7's learner replay: its two ports, Step 0's venv (the one scripts/provision-lab7 built with the same
    pins), and the browser steps pasted where the README reads them."""
    from mlflow_labs.lab7.environment import venv_dir  # noqa: PLC0415
    venv = venv_dir()
    return ByHand("repo", [host_port(7607, free_port()), host_port(7707, free_port()),
                           literal("$HOME/.venv-sso", str(venv),
                                   f"$HOME/.venv-sso -> {venv} (Step 0's venv: scripts/provision-lab7 builds it)")],
                  paste=_browser_steps)


def _browser_steps(readme: Path, progress: Callable[[str], None]) -> "BrowserSteps":
    from mlflow_labs.lab7 import environment  # noqa: PLC0415
    environment.ensure(progress=progress)   # Step 0's venv and npm ci, as scripts/provision-lab7 builds them
    return BrowserSteps(readme, progress=progress)
