"""Which skips a test run may have: the explicit list in tests/allowed-skips.toml, and the verdict on
the skips a run really had (read from its JUnit XML). scripts/test fails any skip not on the list, so a
green closing line never hides a path that did not run; allowed ones are counted by name.
"""

from __future__ import annotations

import fnmatch
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

try:
    import tomllib
except ImportError:  # Python 3.10: pytest brings tomli there
    import tomli as tomllib

from mlflow_labs.errors import LabError

LIST = "tests/allowed-skips.toml"


@dataclass(frozen=True)
class Allowed:
    name: str
    tests: str    # fnmatch pattern over "<classname>::<name>"
    reason: str   # text the skip message must contain
    why: str


@dataclass(frozen=True)
class Skip:
    test: str     # "<classname>::<name>"
    message: str


@dataclass
class Verdict:
    allowed: Counter = field(default_factory=Counter)   # allowed name -> how many
    unlisted: list[Skip] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.unlisted

    def allowed_text(self) -> str:
        """'allowed: kind x5' (empty when nothing was skipped)."""
        return ", ".join(f"{n} x{c}" for n, c in sorted(self.allowed.items()))


def load(root: Path, selection: str | None = None) -> list[Allowed]:
    """The allowed skips, narrowed by ``selection`` (MLFLOW_LABS_ALLOWED_SKIPS): None = all, 'none', or names."""
    path = root / LIST
    try:
        entries = [Allowed(**e) for e in tomllib.loads(path.read_text()).get("allowed", [])]
    except (OSError, TypeError, tomllib.TOMLDecodeError) as exc:
        raise LabError(f"{path} cannot be read as the list of allowed skips ({exc}). Fix the file; "
                       f"each [[allowed]] needs name, tests, reason and why.") from None
    if selection is None or selection.strip() == "":
        return entries
    wanted = {n.strip() for n in selection.split(",") if n.strip()}
    if wanted == {"none"}:
        return []
    unknown = wanted - {e.name for e in entries}
    if unknown:
        raise LabError(f"MLFLOW_LABS_ALLOWED_SKIPS names {', '.join(sorted(unknown))}, which {LIST} does not list "
                       f"(known: {', '.join(e.name for e in entries) or 'none'}). Use names from that file, or 'none'.")
    return [e for e in entries if e.name in wanted]


def skips_in(junit: Path) -> list[Skip]:
    """Every skipped test case of a JUnit XML file (pytest's --junitxml)."""
    out = []
    for case in ET.parse(junit).getroot().iter("testcase"):
        s = case.find("skipped")
        if s is not None:
            out.append(Skip(f"{case.get('classname', '')}::{case.get('name', '')}",
                            " ".join(filter(None, [s.get("message", ""), (s.text or "").strip()]))))
    return out


def judge(skips: list[Skip], allowed: list[Allowed]) -> Verdict:
    v = Verdict()
    for s in skips:
        match = next((a for a in allowed if fnmatch.fnmatchcase(s.test, a.tests) and a.reason in s.message), None)
        if match:
            v.allowed[match.name] += 1
        else:
            v.unlisted.append(s)
    return v
