"""Rules a rendered README must keep for a learner who reads it, where a replay cannot see.

A replay runs the blocks; it cannot see that a learner reading the rendered page was never told
what to call a file (only the invisible `<!-- lab: file=... -->` comment names it), where a second
terminal starts, or that a failed check sends them to a step about something else. Each rule takes
the README's text and returns problems as "README:LINE: what is wrong", so a test lists them all.

- `unnamed_files`: every `file=` block is introduced by visible text naming the file.
- `terminals_unplaced`: every "second terminal" / "terminal of its own" says which folder and which
  venv it starts in, and every block the harness runs in the background is introduced as one.
- `hints_astray`: every check hint starts with "Step N" (or "Steps N-M", "Steps N and M"), the README
  has that step, and each thing the hint names (a file, a `code span`, a flag, a log_* call, a
  permission) is named in that step; a hint naming none of those shares most of its words with it.
- `exposed`: no block the harness or the learner runs (or a script it writes) publishes a server beyond
  loopback (erratum 7; what counts as exposed: harness/readme/exposure.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mlflow_labs.harness.readme.directives import fate
from mlflow_labs.harness.readme.exposure import exposures
from mlflow_labs.harness.readme.parse import DIRECTIVE, FENCE, parse_blocks

HEADING = re.compile(r"^(#{2,6})\s+(?:Step\s+)?(\d+)?[.:]?\s*(.*)$")
# what opens a new terminal (as opposed to "back in your first terminal" or "in the second terminal")
NEW_TERMINAL = re.compile(r"\b(a second|a new|another|a terminal of its own|in a terminal of its own)\b[^.]*?"
                          r"terminal|terminal of its own", re.I)
FOLDER = re.compile(r"`cd [^`]+`|\bfolder\b|\bdirectory\b", re.I)
VENV = re.compile(r"\bvenv\b|virtual environment|\bactivate\b", re.I)
HINT_STEPS = re.compile(r"^Steps?\s+(\d+)(?:\s*(-|and|,)\s*(\d+))?\s*(?::|$)")
PERMISSIONS = ("READ", "EDIT", "MANAGE", "NO_PERMISSIONS")
FILE_NAME = re.compile(r"\b[\w-]+\.(?:py|ini|sh|yaml|yml|txt|pkl|db|sql|env|netrc)\b")


@dataclass
class Section:
    number: int
    line: int          # 1-based line of the heading
    text: str          # heading and body, up to the next heading of the same or a higher level


def _visible_lines(markdown: str) -> list[tuple[int, str, bool]]:
    """(line number, text, inside a fence) for every line; headings inside code are not headings."""
    out, fence = [], None
    for i, line in enumerate(markdown.splitlines(), 1):
        m = FENCE.match(line)
        if fence is None and m:
            fence = m.group("fence")
            out.append((i, line, True))
        elif fence is not None:
            out.append((i, line, True))
            if line.strip().startswith(fence):
                fence = None
        else:
            out.append((i, line, False))
    return out


def sections(markdown: str) -> dict[int, Section]:
    """The numbered steps: "## 3. Title" and "## Step 3: title" both give step 3."""
    lines = _visible_lines(markdown)
    heads = [(i, len(m.group(1)), m.group(2)) for i, text, code in lines
             if not code and (m := HEADING.match(text))]
    out = {}
    for k, (line, level, number) in enumerate(heads):
        end = next((h[0] for h in heads[k + 1:] if h[1] <= level), len(lines) + 1)
        if number is not None:
            out[int(number)] = Section(int(number), line, "\n".join(t for i, t, _ in lines if line <= i < end))
    return out


def _intro(lines: list[tuple[int, str, bool]], before: int) -> tuple[int, str]:
    """The visible prose just above line ``before``: back to the previous block or heading, comments out."""
    text, start = [], before
    for i, line, code in reversed(lines[: before - 1]):
        if code or line.startswith("#"):
            break
        text.append(line)
        start = i
    return start, DIRECTIVE.sub("", "\n".join(reversed(text)))


def intro(markdown: str, line: int) -> str:
    """The visible prose that introduces the block whose fence is at ``line``."""
    return _intro(_visible_lines(markdown), line)[1]


def unnamed_files(markdown: str, source: str) -> list[str]:
    lines, problems = _visible_lines(markdown), []
    for b in parse_blocks(markdown, source):
        name = b.directive.get("file")
        if not name:
            continue
        _, intro = _intro(lines, b.line)
        if str(name) not in intro:
            problems.append(f"{source}:{b.line}: the block is written to `{name}` (the harness reads the hidden "
                            f"directive), but the text above it never names `{name}`: say \"Save it as `{name}`:\"")
    return problems


def terminals_unplaced(markdown: str, source: str) -> list[str]:
    lines, problems = _visible_lines(markdown), []
    # paragraphs (outside code) that open a terminal: they must name the folder and the venv
    para: list[tuple[int, str]] = []
    for i, line, code in lines + [(len(lines) + 1, "", False)]:
        if not code and line.strip():
            para.append((i, line))
            continue
        text = " ".join(t for _, t in para)
        if para and NEW_TERMINAL.search(text):
            missing = [what for what, rx in (("folder", FOLDER), ("venv", VENV)) if not rx.search(text)]
            if missing:
                problems.append(f"{source}:{para[0][0]}: a new terminal, but the text does not say which "
                                f"{' or '.join(missing)} it starts in (e.g. \"open it, `cd ~/lab` and "
                                f"`source .venv/bin/activate` there too\", or \"any folder; it needs no venv\")")
        para = []
    for b in parse_blocks(markdown, source):
        if b.action == "background" or b.directive.get("by-hand") == "background":
            _, intro = _intro(lines, b.line)
            if "terminal" not in intro.lower():
                problems.append(f"{source}:{b.line}: this command keeps running (the harness starts it in the "
                                f"background), but the text above it does not say to run it in a terminal of "
                                f"its own, nor which one")
    return problems


def hint_terms(hint: str) -> list[str]:
    """What a hint names that its step must name too."""
    body = HINT_STEPS.sub("", hint)
    terms: list[str] = []
    for span in re.findall(r"`([^`]+)`", body):
        terms += [part.strip() for part in span.split("...") if part.strip()]
    body_plain = re.sub(r"`[^`]+`", " ", body)
    terms += FILE_NAME.findall(body_plain)
    terms += re.findall(r"(?<![\w-])--[a-z][\w-]*", body_plain)
    terms += re.findall(r"\b(?:log|set|start)_\w+", body_plain)
    terms += [w for w in re.findall(r"\b[A-Z_]{4,}\b", body_plain) if w in PERMISSIONS]
    return list(dict.fromkeys(terms))


def _words(text: str) -> set[str]:
    return {w.lower() for w in re.findall(r"[A-Za-z][\w-]{5,}", text)}


def _names(section: str, term: str) -> bool:
    if term in PERMISSIONS:
        return re.search(rf"\b{term}\b", section) is not None
    return term.lower() in section.lower()


def hints_astray(markdown: str, source: str, hints: list[tuple[str, str]]) -> list[str]:
    """``hints``: (check name, hint) pairs of the lab's checks."""
    steps, problems = sections(markdown), []
    for check, hint in dict.fromkeys(hints):  # a check in two suites is one check
        m = HINT_STEPS.match(hint)
        if not m:
            problems.append(f"{source}: check {check!r}: its hint {hint!r} does not start with the README step "
                            f"to revisit (\"Step N: ...\")")
            continue
        first, joint, last = m.groups()
        numbers = [int(first)] + ([int(last)] if last else [])
        if joint == "-":
            numbers = list(range(numbers[0], numbers[-1] + 1))
        missing = [n for n in numbers if n not in steps]
        if missing:
            problems.append(f"{source}: check {check!r}: its hint {hint!r} names step {missing[0]}, which the README "
                            f"does not have (steps: {', '.join(map(str, sorted(steps)))})")
            continue
        text = "\n".join(steps[n].text for n in numbers if n in steps)
        terms = hint_terms(hint)
        if terms:
            absent = [t for t in terms if not _names(text, t)]
        else:  # plain words: most of them must be the step's words too
            words = _words(HINT_STEPS.sub("", hint))
            absent = sorted(words - _words(text)) if len(words & _words(text)) * 2 < len(words) or not words else []
            if not words:
                absent = ["(the hint names nothing: say what to do there)"]
        if absent:
            where = f"{source}:{steps[numbers[0]].line}"
            problems.append(f"{where}: check {check!r}: its hint {hint!r} sends the learner to step "
                            f"{'-'.join(map(str, numbers))}, which never mentions {', '.join(map(repr, absent))}")
    return problems


def exposed(markdown: str, source: str) -> list[str]:
    """Blocks that publish a server beyond loopback, among those either executor runs: a block the harness
    skips (it starts that part itself) is still typed by the learner."""
    problems = []
    for b in parse_blocks(markdown, source):
        fates = {fate(b), fate(b, by_hand=True)}
        if fates & {"run", "background"} or ("file" in fates and b.is_shell):
            problems += [f"{source}:{b.line}: {why}" for why in exposures(b.text)]
    return problems
