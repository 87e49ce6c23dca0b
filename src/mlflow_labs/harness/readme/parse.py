"""A lab README's fenced blocks and the directive comment before each.

Each fenced block may be preceded by `<!-- lab: KEY[=VALUE] ... -->`; the keys, what each means and its
one evaluation are in harness/readme/directives.py (an unknown key is an error naming README:LINE).

A shell block with no directive is run. A fenced block with no language is shown only, never run
as bash (an output sample must not execute). A shell block is never silently ignored: `audit()`
lists every block with what happens to it, and a test fails if a shell block is neither run nor
skipped with a reason. Non-shell blocks (python, sql, yaml) are shown only, unless a `file=`
directive writes them. Substitutions (a free port for 7006, ...) are applied to every block's text
and each one that changed something is reported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from mlflow_labs.harness.readme import directives
from mlflow_labs.harness.readme.directives import DIRECTIVES, DirectiveError, parse_directive  # noqa: F401 - their old home

SHELL_LANGS = {"bash", "sh", "shell", "console", "zsh"}
FENCE = re.compile(r"^(?P<indent>\s*)(?P<fence>```+|~~~+)\s*(?P<lang>[\w+-]*)")
DIRECTIVE = re.compile(r"<!--\s*lab:(?P<body>.*?)-->")


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
        """What the harness does with it (directives.fate): skip | file | background | run | show."""
        return directives.fate(self)

    def on_infra(self, infra: str | None) -> bool:
        """`infra=`: whether the block belongs to the path ``infra`` (None: no path chosen, every block)."""
        return infra is None or self.directive.get("infra", infra) == infra


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

