"""The one evaluation of a README block, shared by both executors (Sybil's model: two execution models,
one evaluator per directive).

`BlockExecutor.evaluate(block)` does what the block's directives mean (harness/readme/directives.py):
its fate, `file=`, `expect-fail` and `output=`, `timeout=`, `background` with `health=` and the README's
Ctrl+C restart, `health=` on a `docker run -d` block, `kill-background`. A subclass says only how a
block's commands run (`shell`: a `bash -c` per block, or the learner's one shell), how a server's
terminal is started (`launch`), and what it can add to a failure (`failure`): runner.ReadmeRunner and
replay.LearnerReplay.
"""

from __future__ import annotations

import signal
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import requests

from mlflow_labs.errors import LabError, tail
from mlflow_labs.harness import cost
from mlflow_labs.harness.net import wait_http
from mlflow_labs.harness.process import BackgroundProcess
from mlflow_labs.harness.readme import directives as d
from mlflow_labs.harness.readme.parse import Block, summarize
from mlflow_labs.harness.readme.rules import intro
from mlflow_labs.harness.readme.steps import DocStepError, Step, Substitution, substitute, timed
from mlflow_labs.harness.tools import run_tool

STOP_WAIT = 90  # seconds a learner waits after Ctrl+C (MLflow's job runners took ~26 s to stop here under load)


@dataclass
class Outcome:
    """What a block's commands did: the exit status that counts, the whole output, and, where the
    executor knows it, the README line and text of the command that failed."""
    status: int
    output: str
    line: int | None = None
    command: str = ""


def answers(url: str) -> bool:
    try:
        requests.get(url, timeout=3)
        return True
    except requests.RequestException:
        return False


class BlockExecutor:
    """What both executors are. A subclass sets, before evaluating: ``readme`` (Path), ``display`` (README as
    reported), ``blocks``, ``cwd``, ``steps``, ``progress``, ``default_timeout``, ``path`` (its infra path or
    route, None for all), ``substitutions`` and ``applied``; and implements `shell` and `launch`."""

    by_hand = False          # the learner's fates (directives.fate)
    records_shown = True     # a step for a block that is only shown
    started_words = "started in background"

    readme: Path
    display: str
    blocks: list[Block]
    cwd: Path
    steps: list[Step]
    progress: Callable[[str], None]
    default_timeout: float
    path: str | None
    substitutions: list[Substitution]
    applied: dict[str, str]

    def _init_servers(self) -> None:
        self.servers: dict[int, BackgroundProcess] = {}   # README line -> the server its block started
        self._server_text: dict[int, str] = {}
        self._ran: set[int] = set()    # lines of the blocks that ran, wrote or started something (harness/cost.py)
        self._counted = False

    # -- what a subclass provides ------------------------------------------------------------------
    def shell(self, b: Block, step: Step, timeout: float) -> Outcome:
        """Run the block's (substituted) commands; update ``cwd``; a timeout is the subclass's DocStepError."""
        raise NotImplementedError

    def launch(self, script: str, log_path: Path) -> BackgroundProcess:
        """A not yet started process running ``script`` in a terminal of its own."""
        raise NotImplementedError

    def server_log(self, line: int) -> Path:
        raise NotImplementedError

    def own(self, path: Path) -> None:
        """Hand a file the README wrote to the one who runs it (the replay's unprivileged learner)."""

    def remark(self, text: str, why: str) -> None:
        """Something done as the README says that a report should show (a Ctrl+C restart)."""
        self.progress(text)

    def failure(self, b: Block, step: Step, outcome: Outcome, problem: d.Problem) -> str:
        """The message of a failed block (after README:LINE)."""
        return (f"{problem.text}\n$ {self.substitute(b.text).strip()}\n--- output tail ---\n{tail(outcome.output)}")

    # -- the one evaluation --------------------------------------------------------------------------
    def substitute(self, text: str) -> str:
        return substitute(self.substitutions, text, self.applied)

    def record(self, step: Step) -> Step:
        self.steps.append(step)
        return step

    def fate(self, b: Block) -> str:
        return d.fate(b, path=self.path, by_hand=self.by_hand)

    def evaluate(self, b: Block) -> Step | None:
        """Do what block ``b`` and its directives mean; None when it is not a step here (another path)."""
        what = self.fate(b)
        if what == "other-path" or (what == "show" and not self.records_shown):
            return None
        summary = f"write {b.directive['file']}" if what == "file" else summarize(b.text)
        step = self.record(Step(self.display, b.line, what, summary))
        if what in DOES_SOMETHING:
            self._ran.add(b.line)
        with timed(step):
            if what == "skip":
                if "kill-background" in b.directive:   # the block kills the server; here nobody runs it
                    self.kill_servers()
                step.status, step.note = "skipped", d.reason(b)
            elif what == "show":
                step.status = "shown"
            elif what == "file":
                target = d.write_file(b, self.cwd, self.substitute(b.text), own=self.own)
                step.status, step.note = "passed", f"wrote {target.relative_to(self.cwd)}"
            elif what == "background":
                self.start_server(b, step)
            else:
                if b.directive.get("health") and starts_mlflow(b.text):  # `docker run -d ... mlflow server`
                    cost.count(cost.SERVER, f"{self.display}:{b.line}")
                self.run_commands(b, step)
                if b.directive.get("health"):
                    # `docker run -d` returned; the server start is the step's own time (a learner waits
                    # it in the README's next block), not harness overhead: scripts/bench counts it so
                    self.wait_container(b, step)
        return step

    def run_commands(self, b: Block, step: Step) -> None:
        timeout = d.block_timeout(b, self.default_timeout)
        self.progress(f"{step.where}: {step.summary}")
        outcome = self.shell(b, step, timeout)
        step.output = outcome.output
        step.note = tail(outcome.output, 5)
        problem = d.judge(b, outcome.status, outcome.output)
        if problem:
            raise DocStepError(step, self.failure(b, step, outcome, problem))
        step.note = d.outcome_note(b, outcome.status) + step.note
        step.status = "passed"

    def wait_container(self, b: Block, step: Step) -> None:
        """`health=` on a `docker run -d` block: wait for the server in the container; on failure its log."""
        wait_http(self.substitute(str(b.directive["health"])), timeout=d.block_timeout(b, d.CONTAINER_WAIT),
                  what=f"the container started at {step.where}", log=lambda: container_log(self.substitute(b.text)),
                  progress=self.progress)

    # -- servers: background, health=, Ctrl+C, kill-background ---------------------------------------------
    def start_server(self, b: Block, step: Step) -> None:
        text = self.substitute(b.text).strip()
        if d.restarts(intro(self.readme.read_text(), b.line)):
            self._interrupt_same(text, step)
        health = self.substitute(str(b.directive.get("health", "")))
        if health and answers(health):
            raise DocStepError(step, f"{health} already answers before this block starts its server: something from an "
                                     f"earlier step is still running on that port (a destroy step that left a process "
                                     f"alive?). The new server would fail with 'address already in use' while the old "
                                     f"one keeps answering.")
        log = self.server_log(b.line)
        proc = self.launch(d.server_script(self.cwd, text), log)
        if starts_mlflow(text):
            cost.count(cost.SERVER, f"{'by hand ' if self.by_hand else ''}{self.display}:{b.line}")
        self.servers[b.line] = proc   # before start(): close() stops it even if start is interrupted
        self._server_text[b.line] = text
        proc.start()
        self.progress(f"{step.where}: {self.started_words}: {step.summary}")
        if health:
            try:
                wait_http(health, timeout=d.block_timeout(b, d.HEALTH_WAIT), what=f"the server started at {step.where}",
                          alive=proc.alive, log=proc.log_tail, progress=self.progress)
            except LabError as exc:
                proc.stop()
                raise DocStepError(step, str(exc)) from None
        step.status, step.note = "passed", f"running (pid {proc.pid}); log {log}"

    def _interrupt_same(self, text: str, step: Step) -> None:
        """"Stop it (Ctrl+C) and start it again": SIGINT to the terminal running the same command."""
        for line, proc in list(self.servers.items()):
            if self._server_text.get(line) != text or not proc.alive():
                continue
            proc.signal_group(signal.SIGINT)
            if not proc.wait(STOP_WAIT):
                raise DocStepError(step, f"the command started at {self.display}:{line} did not stop within "
                                         f"{STOP_WAIT} s of Ctrl+C, so it cannot be started again here")
            self.remark(f"Ctrl+C to the terminal of {self.display}:{line}, to start it again at line {step.line}",
                        "as the README says")

    def count_run(self) -> None:
        """Count this README run once (harness/cost.py): whole when every block this executor would run, write
        or start did, else partial (it stopped early, or ran only some blocks)."""
        if self._counted or not self._ran:
            return
        self._counted = True
        todo = {b.line for b in self.blocks if self.fate(b) in DOES_SOMETHING}
        cost.count(cost.README_WHOLE if todo <= self._ran else cost.README_PARTIAL,
                   f"{'by hand ' if self.by_hand else ''}{self.display}")

    def server(self, line: int) -> BackgroundProcess | None:
        """The process the background block at ``line`` started (None when it is not running)."""
        return self.servers.get(line)

    def kill_servers(self) -> None:
        """`kill-background`: SIGKILL each server a background block started (exactly its process group)."""
        for line in list(self.servers):
            self.progress(f"kill -9 the server started at {self.display}:{line}")
            self.servers.pop(line).stop(timeout=0, sig=signal.SIGKILL)


DOES_SOMETHING = ("run", "file", "background")   # the fates of a block that runs, writes or starts something


def starts_mlflow(text: str) -> bool:
    """Whether a server block starts MLflow (`mlflow ui`, `mlflow server`, a script or a container running it)."""
    return "mlflow" in text.lower()


def container_log(text: str) -> str:
    """The last lines of the log of the container a `docker run -d` block (``text``) names."""
    name = d.container_name(text)
    if not name:
        return "(no log)"
    try:
        p = run_tool(["docker", "logs", "--tail", "25", name], timeout=60, check=False)
    except LabError as exc:
        return f"(no log: {exc})"
    return (p.stdout + p.stderr) if p.returncode == 0 else f"(no log: {tail(p.stderr.strip() or p.stdout, 3)})"
