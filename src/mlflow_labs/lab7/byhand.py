"""Lab 7 by hand: the README's browser steps done the way a learner does them, for the learner replay.

Steps 5 and 7 read tokens and a session cookie with `read -rs`: the learner signs in in a browser,
copies, and pastes. `BrowserSteps` is the replay's ``paste`` hook: when the replay reaches such a
block, it replays the README's own words in ONE headless Chromium window (harness/ui_steps.py: "type
`alice` into **Enter any login**", "click **Tokens**", "copy it from the **Token** field", "click
**Logout**, then **Yes, sign me out**"), one person after the other, and returns what was copied, one
line per prompt, for the block's stdin. So a renamed button fails at its README line, as in lab 5, and
a sign-out that leaves the IdP knowing the last person fails the next sign-in (the IdP's form never
shows).

Step 4 is replayed in full when the token block is reached (no block lies between them): alice signs in
and out, mallory is refused (the page must say what the README quotes) and signs out at the IdP. Step
7's session cookie is read from the window's cookie store after alice signs in once more: what the
README sends the learner to the developer tools for.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Callable

from mlflow_labs.errors import LabError, PrerequisiteMissing
from mlflow_labs.harness.net import free_port
from mlflow_labs.harness.readme.placeholders import host_port, literal
from mlflow_labs.harness.spec import ByHand
from mlflow_labs.harness.ui_steps import UiReplay, UiStep, parse
from mlflow_labs.lab7.browser import REFUSED, SIGN_OUT_BUTTON, SIGNED_OUT, STEP_MS, Browser

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


def _index(steps: list[UiStep], verb: str, target: str, start: int = 0) -> int | None:
    return next((i for i, s in enumerate(steps) if i >= start and s.verb == verb and target in s.target), None)


class BrowserSteps:
    """The replay's paste hook for lab 7 (see the module doc)."""

    def __init__(self, readme: Path, *, progress: Callable[[str], None] = print, shots: Path | None = None,
                 fail_fast: tuple[int, int] | None = None):
        text = Path(readme).read_text()
        self.readme = Path(readme)
        # (README line, ms): element waits from that line on are short, for a test whose README there names an
        # element that never comes; every step before it waits as long as a loaded machine needs
        self.fail_fast = fail_fast
        step4 = parse(text, start_line=_section(text, 4)[0], end_line=_section(text, 4)[1])
        self.token = parse(text, start_line=_section(text, 5)[0], end_line=_section(text, 5)[1])
        # Step 4: sign in (up to the first Logout), sign out (Logout, then the IdP's button), and the IdP's
        # own sign-out for the person MLflow refused (the last page opened, then the same button)
        logout, idp_end = _index(step4, "click", "Logout"), _index(step4, "open", "/session/end")
        yes = _index(step4, "click", SIGN_OUT_BUTTON, logout or 0)
        missing = [what for what, at in (("click **Logout**", logout), (f"click **{SIGN_OUT_BUTTON}**", yes),
                                         ("Open <...7707/session/end>", idp_end)) if at is None]
        if missing:
            raise LabError(f"{readme}: Step 4's words never say {', '.join(missing)} (found "
                           f"{[f'{s.verb} {s.target}' for s in step4]}): the learner replay cannot sign people "
                           f"out in one browser as the README must have them. Fix the README's words.")
        self.sign_in, self.sign_out, self.idp_sign_out = step4[:logout], step4[logout:yes + 1], step4[idp_end:idp_end + 2]
        for what, steps, verbs in (("Step 4's sign-in", self.sign_in, {"open", "fill", "click"}),
                                   ("Step 5's token", self.token, {"click", "fill", "copy"})):
            if not verbs <= {s.verb for s in steps}:
                raise LabError(f"{readme}: {what} words give the browser no {sorted(verbs - {s.verb for s in steps})} "
                               f"instruction (found {[f'{s.verb} {s.target}' for s in steps]}): the learner replay "
                               f"cannot do what the README asks. Fix the README's words.")
        if not any(s.verb == "click" and s.target == "Logout" for s in self.token):
            raise LabError(f"{readme}: Step 5's words never sign a person out (click **Logout**) before the next "
                           f"signs in: in one browser, the next person cannot sign in. Fix the README's words.")
        self.progress = progress
        self.browser: Browser | None = None
        self.shots = shots
        self.page = None   # the one window everyone takes turns in

    def __call__(self, replay, block) -> str | None:
        m = TOKEN_PROMPT.search(block.text)
        if m:
            self._start(replay)
            self._step4(replay)
            tokens = [self._token(replay, who) for who in m.group(1).split()]
            return "".join(t + "\n" for t in tokens)
        m = SESSION_PROMPT.search(block.text)
        if m:
            who = m.group(1)
            if self.page is None:
                raise LabError(f"{replay.display}:{block.line} asks for {who}'s session cookie, but nobody signed in "
                               f"in the browser before it: the README's steps are out of order")
            self._ui(replay, who).run(self._steps_as(self.sign_in, who))
            uri = replay.substitute("http://localhost:7607")
            cookie = next((c["value"] for c in self.page.context.cookies(uri) if c["name"] == "session"), None)
            if not cookie:
                raise LabError(f"{who}'s browser holds no `session` cookie for {uri}: nothing to copy at "
                               f"{replay.display}:{block.line}")
            return cookie + "\n"
        return None

    def _start(self, replay) -> None:
        if self.browser is None:
            self.browser = Browser(self.shots or Path("/tmp") / "mlflow-labs-lab7-byhand-shots",
                                   mlflow=replay.substitute("http://localhost:7607"),
                                   idp=replay.substitute("http://localhost:7707")).start()
            self.page = self.browser.page

    def _ui(self, replay, who: str) -> UiReplay:
        return UiReplay(self.page, replay.display, substitute=replay.substitute, timeout_ms=STEP_MS,
                        fail_fast=self.fail_fast, progress=lambda m: self.progress(f"{m} (as {who})"))

    def _steps_as(self, steps: list[UiStep], who: str) -> list[UiStep]:
        """Step 4's words with `alice` typed as ``who``: 'sign in as that person, as in Step 4'."""
        return [UiStep(s.line, s.verb, s.target, s.sentence, who if s.verb == "fill" and s.value == SIGN_IN_AS
                       else s.value) for s in steps]

    def _says(self, replay, step: UiStep, text: str, what: str) -> None:
        """The page says ``text``, as the README says it does after ``step``."""
        try:
            self.page.get_by_text(text).first.wait_for(state="visible", timeout=STEP_MS)
        except Exception:  # noqa: BLE001 - Playwright's timeout: the page does not say it
            raise LabError(f"{replay.display}:{step.line}: the README says {what}, but the page at {self.page.url} "
                           f"shows: {self.page.inner_text('body')[:200]!r}") from None

    def _step4(self, replay) -> None:
        """alice signs in and out; mallory is refused and signs out at the IdP (Step 4's words)."""
        ui = self._ui(replay, SIGN_IN_AS)
        ui.run(self.sign_in + self.sign_out)
        self._says(replay, self.sign_out[-1], SIGNED_OUT, f"the page then says \"{SIGNED_OUT} ...\"")
        self._ui(replay, OUTSIDER).run(self._steps_as(self.sign_in, OUTSIDER))
        self._says(replay, self.sign_in[-1], REFUSED, f"MLflow refuses {OUTSIDER} with \"{REFUSED}\"")
        replay.report.substituted(f"Step 4: signed in as {OUTSIDER} with Step 4's words; MLflow showed "
                                  f"\"{REFUSED}\"", "browser")
        self._ui(replay, OUTSIDER).run(self.idp_sign_out)
        self._says(replay, self.idp_sign_out[-1], SIGNED_OUT, f"{OUTSIDER} is signed out at the IdP")

    def _token(self, replay, who: str) -> str:
        ui = self._ui(replay, who)
        ui.run(self._steps_as(self.sign_in, who) + self.token)
        return ui.clipboard

    def close(self) -> None:
        if self.browser:
            self.browser.close()
            self.browser = self.page = None


def table(route: str | None = None) -> ByHand:
    """Lab 7's learner replay: its two ports, Step 0's `<PYTHON-3.12+>` (a Python 3.12+ found on this
    machine as `mlflow-labs doctor lab7` finds it: PATH, pyenv's versions), and the browser steps pasted
    where the README reads them. Step 0 runs as typed: its venv and the IdP's `npm ci` in the fresh HOME."""
    from mlflow_labs.lab7.environment import PYTHON_FIX, find_python  # noqa: PLC0415
    python = find_python()
    if not python:
        raise PrerequisiteMissing("Lab 7's Step 0 needs a Python 3.12 or newer for `<PYTHON-3.12+>`, and none was "
                                  "found (PATH, pyenv's versions, MLFLOW_LABS_SSO_PYTHON).", PYTHON_FIX)
    return ByHand("repo", [host_port(7607, free_port()), host_port(7707, free_port()),
                           literal("<PYTHON-3.12+>", python, f"<PYTHON-3.12+> -> {python} (a Python 3.12 or newer on "
                                                             f"this machine, as `mlflow-labs doctor lab7` finds it)")],
                  paste=_browser_steps)


def _browser_steps(readme: Path, progress: Callable[[str], None]) -> "BrowserSteps":
    return BrowserSteps(readme, progress=progress)
