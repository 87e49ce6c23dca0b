"""The README step a failed check sends the learner back to: a check's hint opens with the step it names
("Step 3: ...", "Steps 5-6: ...", "Steps 3 and 6: ..."); this finds that step's heading in the lab's README
("## 3. The instrumented training script", "## Step 3: log a run"), so the gradebook can say where it is
(README:LINE and its title). tests/unit/test_grade_steps.py holds every check of every lab to naming a
step its README has."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

HINT = re.compile(r"^Steps? (\d+)\b")
HEADING = re.compile(r"^#{2,3} (?:Step )?(\d+)[.:]\s*(.+?)\s*$")


def headings(readme: Path) -> dict[int, tuple[int, str]]:
    """step number -> (line, the heading's text), for the README's numbered steps."""
    out: dict[int, tuple[int, str]] = {}
    fence = False
    for n, line in enumerate(readme.read_text(encoding="utf-8").splitlines(), 1):
        if line.startswith("```"):
            fence = not fence
        m = None if fence else HEADING.match(line)
        if m and int(m.group(1)) not in out:
            out[int(m.group(1))] = (n, f"{m.group(1)}. {m.group(2)}")
    return out


@dataclass
class Steps:
    readme: str                                   # the README's path as the gradebook shows it
    found: dict[int, tuple[int, str]] = field(default_factory=dict)

    @classmethod
    def of(cls, spec) -> "Steps":
        """The lab's README steps (none when the package is installed without its labs/ folder)."""
        try:
            readme = spec.readme
            shown = str(readme.relative_to(spec.dir.parent.parent))
        except Exception:  # noqa: BLE001 - no labs/ folder here: hints still name the step, only not its line
            return cls(spec.folder)
        return cls(shown, headings(readme) if readme.exists() else {})

    def where(self, hint: str) -> str:
        """'labs/.../README.md:55 (3. The instrumented training script)' for the step a hint names, or ''."""
        m = HINT.match(hint or "")
        if not m or int(m.group(1)) not in self.found:
            return ""
        line, title = self.found[int(m.group(1))]
        return f"{self.readme}:{line} ({title})"
