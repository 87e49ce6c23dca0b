"""A lab README's fenced blocks and the directives that say how each is treated.

Each fenced block may be preceded by a directive comment, `<!-- lab: KEY[=VALUE] ... -->`, that says
how the harness treats it. Every key the runner accepts (DIRECTIVES below; an unknown one, such as
the typo `bakground`, is an error naming README:LINE, never a silent foreground run), each
implemented once, in harness/readme/runner.py:

    run                 run the block with bash (the default for bash/sh/shell/console/zsh blocks)
    background          start it as a long-running server; stopped when the runner closes
    health=URL          background (or a `docker run -d` block): wait until URL answers 200 (a
                        container that never answers is reported with its log)
    timeout=SECONDS     how long the block (or the health wait) may take
    file=PATH           write the block's text to PATH in the current dir (any language)
    skip                do not run it; needs reason="why" (a skip without one fails the audit)
    reason="TEXT"       why a block is skipped, shown in the report
    expect-fail         the block must exit non-zero: a block that succeeds FAILS the step
    output="TEXT"       the block's output (stdout+stderr) must contain TEXT (with expect-fail: the
                        expected failure message)
    infra=docker|local  run the block on that infra path only (the runner and the learner replay are
                        told the path: `Block.on_infra`)
    kill-background     before this (skipped) block, SIGKILL the server a background block started
                        (exactly the process group the runner started)
    values=rejected     a `helm install` the chart's schema must reject (lab2/chart.py's values tests)
    by-hand=skip|background   what the learner replay (harness/readme/replay.py) does with a block the
                        harness skips: skip it too (sudo provisioning, the command that runs the
                        README) or run it as the learner's second terminal

A shell block with no directive is run. A fenced block with no language is shown only, never run
as bash (an output sample must not execute). A shell block is never silently ignored: `audit()`
lists every block with what happens to it, and a test fails if a shell block is neither run nor
skipped with a reason. Non-shell blocks (python, sql, yaml) are shown only, unless a `file=`
directive writes them. Substitutions (a free port for 7006, ...) are applied to every block's text
and each one that changed something is reported.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

from mlflow_labs.errors import LabError

SHELL_LANGS = {"bash", "sh", "shell", "console", "zsh"}
FENCE = re.compile(r"^(?P<indent>\s*)(?P<fence>```+|~~~+)\s*(?P<lang>[\w+-]*)")
DIRECTIVE = re.compile(r"<!--\s*lab:(?P<body>.*?)-->")
# The one list of directive keys (the module docstring describes each; a unit test keeps the two,
# and the README's "How it is built", in step).
DIRECTIVES = ("run", "background", "health", "timeout", "file", "skip", "reason", "expect-fail", "output",
              "infra", "kill-background", "values", "by-hand")


@dataclass
class Block:
    line: int               # 1-based line of the opening fence
    lang: str
    text: str
    directive: dict = field(default_factory=dict)

    @property
    def is_shell(self) -> bool:
        return self.lang in SHELL_LANGS  # a block with no language is shown, not guessed to be bash

    @property
    def action(self) -> str:
        d = self.directive
        if "skip" in d:
            return "skip"
        if "file" in d:
            return "file"
        if "background" in d:
            return "background"
        if self.is_shell or "run" in d:
            return "run"
        return "show"

    def on_infra(self, infra: str | None) -> bool:
        """`infra=`: whether the block belongs to the path ``infra`` (None: no path chosen, every block)."""
        return infra is None or self.directive.get("infra", infra) == infra


class DirectiveError(LabError):
    """A directive comment the runner does not understand (README:LINE, what, and what is accepted)."""


def parse_directive(body: str, where: str = "<directive>") -> dict:
    try:
        tokens = shlex.split(body)
    except ValueError as exc:
        raise DirectiveError(f"{where}: cannot read the directive `<!-- lab:{body}-->` ({exc}); "
                             f"quote values with spaces in double quotes.") from None
    out = {}
    for tok in tokens:
        key, _, value = tok.partition("=")
        if key not in DIRECTIVES:
            raise DirectiveError(f"{where}: unknown directive key '{key}' in `<!-- lab:{body}-->`. "
                                 f"Accepted keys: {', '.join(DIRECTIVES)} (see harness/readme/parse.py).")
        out[key] = value if value else True
    return out


def parse_blocks(markdown: str, source: str = "<markdown>") -> list[Block]:
    """The fenced blocks with their directives; ``source`` names the file in errors (README:LINE)."""
    blocks, lines, i = [], markdown.splitlines(), 0
    pending: dict = {}
    while i < len(lines):
        m = FENCE.match(lines[i])
        d = DIRECTIVE.search(lines[i])
        if d and not m:
            pending = parse_directive(d.group("body"), f"{source}:{i + 1}")
            i += 1
            continue
        if m:
            fence, indent, start = m.group("fence"), len(m.group("indent")), i
            body = []
            i += 1
            while i < len(lines) and not lines[i].strip().startswith(fence):
                # fences indented inside a list item: drop that indent from the body, nothing more
                line = lines[i]
                body.append(line[indent:] if line[:indent].strip() == "" else line.lstrip())
                i += 1
            blocks.append(Block(start + 1, m.group("lang").lower(), "\n".join(body) + "\n", pending))
            pending = {}
        elif lines[i].strip():
            pending = {}  # a directive applies only to the block right after it
        i += 1
    return blocks


def audit(readme: Path) -> list[tuple[Block, str]]:
    """Every block with its fate; shell blocks that are neither run nor skipped with a reason are problems."""
    problems = []
    for b in parse_blocks(readme.read_text(), str(readme)):
        if b.action == "skip" and not str(b.directive.get("reason", "")).strip():
            problems.append((b, "skipped without a reason"))
        elif b.is_shell and b.action == "show":
            problems.append((b, "shell block neither run nor marked skip"))
    return problems


def summarize(text: str, width: int = 60) -> str:
    first = next((ln.strip() for ln in text.splitlines() if ln.strip() and not ln.strip().startswith("#")), "")
    return first if len(first) <= width else first[: width - 1] + "…"


LEADING_ASSIGNMENTS = re.compile(r"^((?:[A-Za-z_][A-Za-z0-9_]*=\S*\s+)*)(.*)$", re.S)


def exec_line(command: str) -> str:
    """A one-line server command run with `exec`, so the shell becomes the server (its signals reach it):
    `VAR=value cmd ...` becomes `VAR=value exec cmd ...` (bash applies the assignment to what it execs;
    `exec VAR=value cmd` would try to run a program named VAR=value)."""
    assignments, rest = LEADING_ASSIGNMENTS.match(command.strip()).groups()
    return f"{assignments}exec {rest}"
