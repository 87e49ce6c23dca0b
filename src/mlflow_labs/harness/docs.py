"""Run a lab README's fenced blocks in order: the docs are the test.

Each fenced block may be preceded by a directive comment, `<!-- lab: KEY[=VALUE] ... -->`, that says
how the harness treats it. Every key the runner accepts (DIRECTIVES below; an unknown one, such as
the typo `bakground`, is an error naming README:LINE, never a silent foreground run):

    run                 run the block with bash (the default for bash/sh/shell/console/zsh blocks)
    background          start it as a long-running server; stopped when the runner closes
    health=URL          background (or a `docker run -d` block): wait until URL answers 200
    timeout=SECONDS     how long the block (or the health wait) may take
    file=PATH           write the block's text to PATH in the current dir (any language)
    skip                do not run it; needs reason="why" (a skip without one fails the audit)
    reason="TEXT"       why a block is skipped, shown in the report
    expect-fail         the block must exit non-zero: a block that succeeds FAILS the step
    output="TEXT"       the block's output (stdout+stderr) must contain TEXT (with expect-fail: the
                        expected failure message)
    infra=docker|local  run the block on that infra path only (lab 3's scenario chooses)
    kill-background     before this (skipped) block, SIGKILL the server a background block started
                        (lab 3's scenario does it, for exactly the process it started)
    values=rejected     a `helm install` the chart's schema must reject (lab2/chart.py's values tests)
    by-hand=skip|background   what the learner replay (harness/replay.py) does with a block the
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

import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

from mlflow_labs import settings
from mlflow_labs.errors import LabError, tail
from mlflow_labs.harness.process import BackgroundProcess
from mlflow_labs.harness.net import wait_http

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


@dataclass
class Substitution:
    pattern: str            # a regular expression
    replacement: str
    reason: str


@dataclass
class Step:
    readme: str
    line: int
    action: str
    summary: str
    status: str = "pending"  # passed | failed | skipped | shown
    seconds: float = 0.0
    note: str = ""
    output: str = field(default="", repr=False)  # the block's whole stdout + stderr (note keeps its tail)

    @property
    def where(self) -> str:
        return f"{self.readme}:{self.line}"

    def as_dict(self) -> dict:
        d = {**asdict(self), "where": self.where}
        d.pop("output")
        return d


class DocStepError(LabError):
    def __init__(self, step: Step, message: str):
        self.step = step
        super().__init__(f"{step.where}: {message}")


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
                                 f"Accepted keys: {', '.join(DIRECTIVES)} (see harness/docs.py).")
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


class ReadmeRunner:
    """Runs one README's blocks in a work dir; background blocks are stopped by close()."""

    def __init__(self, readme: Path, workdir: Path | None = None, *, substitutions: list[Substitution] = (),
                 env: dict | None = None, display_root: Path | None = None,
                 progress: Callable[[str], None] | None = None, default_timeout: float = 900):
        self.readme = Path(readme)
        self.owns_workdir = workdir is None  # a temp dir of our own is removed by close()
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix="lab-"))
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.substitutions = list(substitutions)
        self.display = _display(self.readme, display_root)
        self.progress = progress or (lambda msg: None)
        self.default_timeout = default_timeout
        self.cwd = self.workdir
        self.steps: list[Step] = []
        self.applied: dict[str, str] = {}     # substitution reason -> what changed
        self.background: dict[int, tuple[Block, BackgroundProcess]] = {}
        self.blocks = parse_blocks(self.readme.read_text(), self.display)
        # the harness's own Python first on PATH, so `python`/`mlflow` are the ones tox installed
        bindir = str(Path(sys.executable).parent)
        self.env = {**os.environ, **(env or {})}
        self.env["PATH"] = bindir + os.pathsep + self.env.get("PATH", "")
        self.env.setdefault("LAB_DIR", str(self.readme.parent))
        for key, value in settings.SERVER_ENV.items():  # servers the README starts tolerate a loaded machine
            self.env.setdefault(key, value)
        self._seq = 0

    # -- text ---------------------------------------------------------------------------------
    def substitute(self, text: str) -> str:
        for s in self.substitutions:
            new = re.sub(s.pattern, s.replacement, text)
            if new != text:
                self.applied.setdefault(s.reason, f"{s.pattern!r} -> {s.replacement!r}")
            text = new
        return text

    # -- running ------------------------------------------------------------------------------
    def run(self, *, stop_before_line: int | None = None, only_lines: set[int] | None = None) -> list[Step]:
        for b in self.blocks:
            if stop_before_line and b.line >= stop_before_line:
                break
            if only_lines is not None and b.line not in only_lines:
                continue
            self.run_block(b)
        return self.steps

    def run_block(self, b: Block) -> Step:
        summary = f"write {b.directive['file']}" if b.action == "file" else summarize(b.text)
        step = Step(self.display, b.line, b.action, summary)
        self.steps.append(step)
        t0 = time.monotonic()
        try:
            if b.action == "skip":
                step.status, step.note = "skipped", str(b.directive.get("reason"))
            elif b.action == "show":
                step.status = "shown"
            elif b.action == "file":
                target = self.cwd / str(b.directive["file"])
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(self.substitute(b.text))
                step.status, step.note = "passed", f"wrote {target.name}"
            elif b.action == "background":
                self._start_background(b, step)
            else:
                self._run_shell(b, step)
        except BaseException:
            step.status = "failed"
            raise
        finally:
            step.seconds = time.monotonic() - t0
        return step

    def _script(self, b: Block, cwd_file: Path) -> str:
        return (f"set -eo pipefail\ncd {shlex.quote(str(self.cwd))}\n"
                f"trap 'pwd > {shlex.quote(str(cwd_file))}' EXIT\n" + self.substitute(b.text))

    def _run_shell(self, b: Block, step: Step) -> None:
        self._seq += 1
        cwd_file = self.workdir / f".lab-cwd-{self._seq}"
        timeout = float(b.directive.get("timeout", self.default_timeout))
        self.progress(f"{step.where}: {step.summary}")
        try:
            p = subprocess.run(["bash", "-c", self._script(b, cwd_file)], env=self.env, capture_output=True,
                               text=True, timeout=timeout, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired as exc:
            out = (exc.stdout or b"").decode(errors="replace") if isinstance(exc.stdout, bytes) else (exc.stdout or "")
            raise DocStepError(step, f"block did not finish within {timeout:.0f} s\n$ {b.text.strip()}\n--- output tail ---\n{tail(out)}") from None
        output = p.stdout + p.stderr
        step.output = output
        step.note = tail(output, 5)
        command = f"$ {self.substitute(b.text).strip()}\n--- output tail ---\n{tail(output)}"
        if "expect-fail" in b.directive:
            if p.returncode == 0:
                raise DocStepError(step, f"block succeeded (exit 0), but the README says it fails here "
                                         f"(expect-fail)\n{command}")
            step.note = f"failed as the README expects (exit {p.returncode}); " + step.note
        elif p.returncode != 0:
            raise DocStepError(step, f"block exited {p.returncode}\n{command}")
        expected = b.directive.get("output")
        if expected and str(expected) not in output:
            raise DocStepError(step, f"block output lacks {str(expected)!r}, which the README says it shows\n{command}")
        if cwd_file.exists():
            self.cwd = Path(cwd_file.read_text().strip())
        step.status = "passed"

    def _start_background(self, b: Block, step: Step) -> None:
        health = self.substitute(str(b.directive.get("health", "")))
        timeout = float(b.directive.get("timeout", 300))
        log = self.workdir / f"background-{b.line}.log"
        script = f"cd {shlex.quote(str(self.cwd))}\nexec " + self.substitute(b.text).strip()
        proc = BackgroundProcess(["bash", "-c", script], log_path=log, env=self.env).start()
        self.background[b.line] = (b, proc)
        self.progress(f"{step.where}: started in background: {step.summary}")
        if health:
            try:
                wait_http(health, timeout=timeout, what=f"the server started at {step.where}", alive=proc.alive,
                          log=proc.log_tail, progress=self.progress)
            except LabError as exc:
                proc.stop()
                raise DocStepError(step, str(exc)) from None
        step.status, step.note = "passed", f"running; log {log}"

    def stop_background(self, line: int | None = None) -> None:
        for ln in list(self.background):
            if line is None or ln == line:
                self.background.pop(ln)[1].stop()

    def restart_background(self, line: int) -> Step:
        """Stop the server a background block started and run that block again (same files)."""
        block = next(b for b in self.blocks if b.line == line)
        t0 = time.monotonic()
        self.stop_background(line)
        stopped = time.monotonic() - t0
        step = self.run_block(block)
        step.seconds += stopped  # the README's restart is stop + start (Ctrl+C, then the command again)
        return step

    def background_lines(self) -> list[int]:
        return [b.line for b in self.blocks if b.action == "background"]

    def close(self) -> None:
        self.stop_background()
        if self.owns_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _display(readme: Path, root: Path | None) -> str:
    """README path as reported: relative to the checkout when inside it (a copy elsewhere keeps its full path)."""
    try:
        return str(readme.resolve().relative_to(root.resolve())) if root else str(readme)
    except ValueError:
        return str(readme)


def port_substitution(documented: int, actual: int) -> Substitution:
    return Substitution(rf"(?<![\d]){documented}(?![\d])", str(actual),
                        f"port {documented} -> free port {actual} (so parallel runs and a busy {documented} do not collide)")
