"""A README's UI instructions, replayed literally in a browser by the visible text they name.

A README tells the learner where to click in words: "click **Compare**", "open the **Scatter Plot**
tab", "go to **Model training** > **Runs**". Those words are the test: each instruction is found in the
README's prose, in order, and replayed with Playwright's role and text locators on exactly the text
the README names (never a selector the harness knows), so a renamed button fails naming README:LINE.

The grammar (outside code blocks; bold is `**text**`):

    Open <URL>                           go to the URL (ports substituted like the blocks' text)
    click **A**[, then **B**]            click the element whose visible text is A (then B)
    **A** button ...; click it           the same
    open the **A** tab / In **A** choose  select the tab A
    go to **A** > **B**                  click A, then B
    tick the boxes ...                   tick every row's checkbox (the README names no text there)
    choose `V`                           pick the option V in the menu just opened
    dismiss with *A*                     a pop-up that may show at any moment from here on: whenever
                                         a button A appears, click it (Playwright's locator handler)
    type `V` into **F**[, `W` into **G**] fill the field labelled (or with the placeholder) F with V
    press Enter                          press that key in the field just filled
    copy it from the **F** field         read field F's value: what the learner copies (``clipboard``)

Anything else in prose is description, not an instruction. Lab 5 uses it, and lab 7's sign-in and
token steps (a learner replay pastes what was copied where the README reads it with `read -rs`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

from mlflow_labs.harness.readme.parse import FENCE
from mlflow_labs.errors import LabError

BOLD = r"\*\*([^*]+)\*\*"
PATTERNS = [  # (verb, regex) in the order they are looked for in one line; each match keeps its position
    ("open", re.compile(r"\bOpen <(https?://[^>]+)>")),
    ("goto", re.compile(rf"\bgo to {BOLD}((?:\s*>\s*{BOLD})+)", re.I)),
    ("click", re.compile(rf"\bclick (?:on )?(?:the )?{BOLD}((?:,? then {BOLD})*)", re.I)),
    ("click", re.compile(rf"{BOLD} button [^.;]*; click it", re.I)),
    ("tab", re.compile(rf"\b(?:open the |In ){BOLD}(?: tab)?", re.I)),
    ("tick", re.compile(r"\btick the boxes\b", re.I)),
    ("choose", re.compile(r"\bchoose `([^`]+)`", re.I)),
    ("dismiss", re.compile(r"\bdismiss(?: it)? with \*([^*]+)\*", re.I)),
    ("fill", re.compile(rf"\btype `([^`]+)` into {BOLD}((?:,? (?:and )?`[^`]+` into {BOLD})*)", re.I)),
    ("press", re.compile(r"\bpress (Enter|Tab|Escape)\b")),
    ("copy", re.compile(rf"\bcopy it from the {BOLD} field", re.I)),
]
FILL_MORE = re.compile(rf"`([^`]+)` into {BOLD}")


CHOICES = ("option", "menuitem", "menuitemradio", "menuitemcheckbox")
CLICKABLE = ("button", "link", "tab", *CHOICES)


@dataclass
class UiStep:
    line: int
    verb: str          # open | click | tab | tick | choose | dismiss | fill | press | copy
    target: str        # the visible text (or URL) the README names
    sentence: str      # the README line, for messages
    value: str = ""    # what `fill` types

    def where(self, source: str) -> str:
        return f"{source}:{self.line}"


class UiStepFailed(LabError):
    """The UI has no element with the text a README instruction names: README:LINE and what was looked for."""


def _paragraphs(markdown: str, start_line: int, end_line: int | None):
    """(text, [(offset, line)]) per prose paragraph: an instruction may wrap onto the next line."""
    para, fence = [], None
    for i, line in enumerate(markdown.splitlines() + [""], 1):
        m = FENCE.match(line)
        if fence is None and m:
            fence = m.group("fence")
        elif fence is not None:
            if line.strip().startswith(fence):
                fence = None
            continue
        elif line.strip() and start_line <= i and (end_line is None or i <= end_line):
            para.append((i, line.strip()))
            continue
        if para:
            text, offsets = "", []
            for n, t in para:
                offsets.append((len(text), n))
                text += t + " "
            yield text, offsets
            para = []


def parse(markdown: str, *, start_line: int = 1, end_line: int | None = None) -> list[UiStep]:
    """Every instruction between start_line and end_line (1-based, inclusive), in reading order."""
    steps = []
    for text, offsets in _paragraphs(markdown, start_line, end_line):
        found = []
        for verb, rx in PATTERNS:
            for m in rx.finditer(text):
                if verb == "goto" or (verb == "click" and m.lastindex and m.lastindex > 1 and m.group(2)):
                    targets = [m.group(1)] + re.findall(BOLD, m.group(2))
                    found += [(text.index(f"**{t}**", m.start()) + k / 10, "click", t, "") for k, t in enumerate(targets)]
                elif verb == "fill":
                    pairs = [(m.group(1), m.group(2))] + FILL_MORE.findall(m.group(3) or "")
                    found += [(text.index(f"`{value}` into", m.start()) + k / 10, "fill", field, value)
                              for k, (value, field) in enumerate(pairs)]
                else:
                    found.append((m.start(), verb, m.group(1) if m.lastindex else "", ""))
        seen = set()
        for pos, verb, target, value in sorted(found):
            if (verb, target, value) in seen:
                continue
            seen.add((verb, target, value))
            line = max(n for off, n in offsets if off <= pos)
            first = max(off for off, n in offsets if n == line)  # quoted from its line's start
            stop = text.find(" ", int(pos) + len(target) + 12)
            steps.append(UiStep(line, verb, target, text[first:stop if stop > 0 else None].strip(), value))
    return steps


class UiReplay:
    """Replays parsed steps on a Playwright page; ``substitute`` maps the README's URLs (a port)."""

    def __init__(self, page, source: str, *, substitute: Callable[[str], str] = lambda s: s,
                 timeout_ms: int = 30_000, progress: Callable[[str], None] = lambda m: None,
                 fail_fast: tuple[int, int] | None = None):
        self.page, self.source, self.substitute = page, source, substitute
        self.progress = progress
        self.timeout_ms = timeout_ms
        # (README line, ms): from that line on each step waits ms (a test whose README names an element that never
        # comes: short there, and only there; the steps before it keep the wait a loaded machine needs)
        self.fail_fast = fail_fast
        self._wait_ms = timeout_ms   # the running step's
        self.done: list[UiStep] = []
        self.clipboard = ""   # what the last `copy` read

    def run(self, steps: list[UiStep], *, between: Callable | None = None) -> list[UiStep]:
        """``between(page)`` runs before each step: what a person does without being told (close a pop-up)."""
        for s in steps:
            if between:
                between(self.page)
            self.progress(f"{s.where(self.source)}: {s.verb} {s.target}")
            self._wait_ms = self.wait_ms(s)
            try:
                self._do(s)
            except UiStepFailed:
                raise
            except Exception as exc:  # noqa: BLE001 - Playwright's timeout is the answer "no such text"
                raise UiStepFailed(f"{s.where(self.source)}: the README says `{s.sentence}`, but the page at "
                                   f"{self.page.url} shows no {self._what(s)} ({type(exc).__name__}: "
                                   f"{str(exc).splitlines()[0][:160]}). Fix the README's words or the step.") from None
            self.done.append(s)
        return self.done

    def wait_ms(self, step: UiStep) -> int:
        """How long ``step`` waits for its element (``fail_fast``'s from its line on)."""
        return self.fail_fast[1] if self.fail_fast and step.line >= self.fail_fast[0] else self.timeout_ms

    @staticmethod
    def _what(s: UiStep) -> str:
        return {"tab": f"tab named {s.target!r}", "fill": f"field labelled {s.target!r}",
                "copy": f"field labelled {s.target!r}", "press": "field to press the key in", "choose": f"option {s.target!r}", "dismiss": f"button {s.target!r}",
                "tick": "row checkboxes"}.get(s.verb, f"element with the visible text {s.target!r}")

    def _visible(self, locator):
        """The first of ``locator``'s matches that is visible, waiting up to the timeout."""
        first = locator.locator("visible=true").first
        first.wait_for(state="visible", timeout=self._wait_ms)
        return first

    def _by_text(self, text: str, roles=CLICKABLE):
        """What a person sees labelled ``text``: an element of one of ``roles`` by its accessible name, else
        the text itself."""
        p = self.page
        controls = p.get_by_role(roles[0], name=text, exact=True)
        for r in roles[1:]:
            controls = controls.or_(p.get_by_role(r, name=text, exact=True))
        found = self._visible(p.get_by_text(text, exact=True).or_(controls))
        # a heading and a button may say the same ("Sign-in"): a person clicks the button
        visible_controls = controls.locator("visible=true")
        return visible_controls.first if visible_controls.count() else found

    def _field(self, name: str):
        """A text field as a person finds it: by its label (a trailing `*` only marks it required), else by
        the hint text it shows."""
        p = self.page
        label = re.compile(rf"^\s*{re.escape(name)}\s*\*?\s*$")
        return self._visible(p.get_by_label(label).or_(p.get_by_placeholder(name, exact=True)))

    def _do(self, s: UiStep) -> None:
        p = self.page
        if s.verb == "open":
            p.goto(self.substitute(s.target), wait_until="domcontentloaded")
        elif s.verb == "click":
            self._by_text(s.target).click()
        elif s.verb == "tab":
            self._visible(p.get_by_role("tab", name=s.target, exact=True)).click()
        elif s.verb == "choose":
            self._by_text(s.target, CHOICES).click()
            p.keyboard.press("Escape")  # the menu stays open after a choice; a person closes it
        elif s.verb == "dismiss":
            p.add_locator_handler(p.get_by_role("button", name=s.target, exact=True), lambda loc: loc.click())
        elif s.verb == "fill":
            self._field(s.target).fill(s.value)
        elif s.verb == "press":
            p.keyboard.press(s.target)
        elif s.verb == "copy":
            self.clipboard = self._field(s.target).input_value()
            if not self.clipboard:
                raise UiStepFailed(f"{s.where(self.source)}: the README says `{s.sentence}`, but the field "
                                   f"{s.target!r} at {p.url} is empty. Fix the README's words or the step.")
        elif s.verb == "tick":
            boxes = p.get_by_role("checkbox")
            self._visible(boxes)
            for i in range(boxes.count()):
                if boxes.nth(i).is_visible() and not boxes.nth(i).is_checked():
                    boxes.nth(i).check(force=True)
