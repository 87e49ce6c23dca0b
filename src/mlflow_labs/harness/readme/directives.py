"""The directives a lab README puts before a fenced block, and what each MEANS, decided here once.

A block may be preceded by `<!-- lab: KEY[=VALUE] ... -->`. Every key (DIRECTIVES below; an unknown one,
such as the typo `bakground`, is an error naming README:LINE, never a silent foreground run):

    run                 run the block with bash (the default for bash/sh/shell/console/zsh blocks)
    background          a long-running server, in a terminal of its own; stopped when the run ends
    health=URL          the block starts a server that answers 200 at URL: a URL that answers before the
                        block runs is a leftover (the step fails); after it, both executors wait for it
                        (a `docker run -d` block too; a container that never answers is shown with its log)
    timeout=SECONDS     how long the block (or the health wait) may take
    file=PATH           write the block's text to PATH in the current folder, its folders made (any language)
    skip                the harness does not run it (it does that part itself); needs reason="why"
    reason="TEXT"       why a block is skipped, shown in the report
    expect-fail         the block must exit non-zero: a block that succeeds FAILS the step
    output="TEXT"       the block's output (stdout+stderr) must contain TEXT, on any block (with
                        expect-fail: the expected failure message)
    infra=docker|local  the block belongs to that path (route) only
    kill-background     the block kills the README's server: an executor that does not run the block
                        (the harness skips it) SIGKILLs exactly the server it started instead
    values=rejected     a `helm install` the chart's schema must reject (lab2/chart.py's values tests)
    by-hand=skip|background   what the learner replay does with a block the harness skips: skip it too
                        (sudo provisioning, the command that runs the README) or run it as the learner's
                        second terminal

Two executors run a README: the harness's runner (runner.py: each block in its own `bash -c`, servers
the scenario starts itself) and the learner replay (replay.py: one long-lived shell, a second terminal
for servers). They differ only in HOW a command runs and what they can say about a failure (the
replay knows the failing command's line); WHAT a directive asks is the one evaluation below
(`fate`, `block_timeout`, `write_file`, `judge`, `server_script`, `restarts`), called by
executor.BlockExecutor, which both executors are. tests/unit/test_executors_agree.py runs the same
README through both.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Callable, NamedTuple, Protocol

from mlflow_labs.errors import LabError


class Block(Protocol):
    """What the directives read of a README block (parse.Block is one; parse.py imports this module, so the
    type is described here rather than imported back from there)."""
    directive: dict

    @property
    def is_shell(self) -> bool: ...

    def on_infra(self, infra: str | None) -> bool: ...

# The one list of directive keys (the module docstring describes each; a unit test keeps the two,
# and the README's "How it is built", in step).
DIRECTIVES = ("run", "background", "health", "timeout", "file", "skip", "reason", "expect-fail", "output",
              "infra", "kill-background", "values", "by-hand")
HEALTH_WAIT, CONTAINER_WAIT = 300.0, 240.0   # seconds a server / a `docker run -d` container gets by default


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
                                 f"Accepted keys: {', '.join(DIRECTIVES)} (see harness/readme/directives.py).")
        out[key] = value if value else True
    return out


# -- run, skip, reason, infra, by-hand, background, file: what happens to a block -------------------------
def unskipped(b: Block) -> str:
    """What the block is when run as written: file | background | run | show."""
    d = b.directive
    if "file" in d:
        return "file"
    if "background" in d:
        return "background"
    return "run" if b.is_shell or "run" in d else "show"


def fate(b: Block, *, path: str | None = None, by_hand: bool = False) -> str:
    """run | file | background | show | skip | other-path, for the harness or (``by_hand``) the learner.

    ``path``: the infra path or route the executor runs (None: every block). A block the harness skips
    because it does that part itself is run as written by the learner, unless `by-hand=skip`;
    `by-hand=background` makes it the learner's second terminal."""
    d = b.directive
    if not b.on_infra(path):
        return "other-path"
    if not by_hand:
        return "skip" if "skip" in d else unskipped(b)
    if d.get("by-hand") == "skip":
        return "skip"
    if d.get("by-hand") == "background":
        return "background"
    return unskipped(b)


def reason(b: Block) -> str:
    return str(b.directive.get("reason", ""))


def block_timeout(b: Block, default: float) -> float:
    """`timeout=`: the block's own limit (its command, or its server's health wait), else ``default``."""
    return float(b.directive.get("timeout", default))


# -- file= ------------------------------------------------------------------------------------------
def write_file(b: Block, cwd: Path, text: str, own: Callable[[Path], None] | None = None) -> Path:
    """`file=PATH`: ``text`` written to PATH under ``cwd``, the folders it names made first (as a learner's
    editor saving `conf/app.ini` would); ``own`` is called on each new folder and the file (the replay's
    unprivileged learner must own what they saved)."""
    target = cwd / str(b.directive["file"])
    new = [p for p in reversed(target.parents) if not p.exists()]
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text)
    for p in [*new, target] if own else ():
        own(p)
    return target


# -- expect-fail, output= ------------------------------------------------------------------------------
class Problem(NamedTuple):
    kind: str   # "exit" (a command failed) | "expect-fail" (it did not) | "output" (the text is missing)
    text: str


def judge(b: Block, status: int, output: str) -> Problem | None:
    """Whether a block that ran did what its directives say: exit status 0 (or, with `expect-fail`, not 0),
    and its whole output containing `output=`'s text. None when it did."""
    d = b.directive
    if "expect-fail" in d and status == 0:
        return Problem("expect-fail", "block succeeded (exit 0), but the README says it fails here (expect-fail)")
    if "expect-fail" not in d and status != 0:
        return Problem("exit", f"block exited {status}")
    expected = d.get("output")
    if isinstance(expected, str) and expected not in output:
        return Problem("output", f"block output lacks {expected!r}, which the README says it shows")
    return None


def outcome_note(b: Block, status: int) -> str:
    return f"failed as the README expects (exit {status}); " if "expect-fail" in b.directive else ""


# -- background, health=, the README's Ctrl+C restart -------------------------------------------------------
LEADING_ASSIGNMENTS = re.compile(r"^((?:[A-Za-z_][A-Za-z0-9_]*=\S*\s+)*)(.*)$", re.S)


def server_script(cwd: Path, text: str) -> str:
    """What a server's terminal runs: in the current folder; a one-line command exec'd, so a signal to the
    terminal reaches the server itself (a multi-line block runs as written). `VAR=value cmd` becomes
    `VAR=value exec cmd`: bash applies the assignment to what it execs (`exec VAR=value cmd` would look for
    a program named VAR=value)."""
    text = text.strip()
    if len(text.splitlines()) != 1:
        return f"cd {shlex.quote(str(cwd))} && {text}"
    assignments, command = LEADING_ASSIGNMENTS.match(text).groups()
    return f"cd {shlex.quote(str(cwd))} && {assignments}exec {command}"


def restarts(intro: str) -> bool:
    """A background block introduced with "Ctrl+C" restarts the same command: the terminal that runs it
    is stopped (SIGINT) first, then it is started again there."""
    return "Ctrl+C" in intro


def container_name(text: str) -> str | None:
    """The `--name` of the container a `docker run -d` block starts (for its log)."""
    m = re.search(r"--name (\S+)", text)
    return m.group(1) if m else None
