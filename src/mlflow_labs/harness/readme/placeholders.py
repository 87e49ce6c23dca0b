"""The learner replay's placeholder vocabulary: what each lab's by-hand table (its spec, or labN/byhand.py)
says the replay types in place of what the README shows, and why (each one used is reported).

A placeholder is a Substitution (harness/readme/steps.py): a pattern, what is typed instead, the reason."""

from __future__ import annotations

import re

from mlflow_labs.harness.readme.steps import Substitution

Placeholder = Substitution


def host_port(documented: int, actual: int) -> Placeholder:
    """A port on the learner's machine: every occurrence except the container side of `-p HOST:CONTAINER`."""
    def repl(m: re.Match) -> str:
        # container side: after `-p [IP:]HOSTPORT:`; the host side follows `-p ` or `-p IP:`
        return m.group(0) if re.search(r"-p\s+(\S*:)?\d+:$", m.string[:m.start()]) else str(actual)
    return Placeholder(rf"(?<!\d){documented}(?!\d)", repl,
                       f"port {documented} -> free port {actual} (the README: use another port if {documented} is taken)")


def literal(text: str, value: str, reason: str) -> Placeholder:
    return Placeholder(re.escape(text), value.replace("\\", r"\\"), reason)
