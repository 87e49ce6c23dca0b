"""Run a lab README's fenced blocks in order: the docs are the test.

`ReadmeRunner` implements every directive (harness/readme/parse.py lists and describes them), each
here and nowhere else: `infra=` (the runner is told the path), `background` and its `health=` wait,
`health=` on a `docker run -d` block (the container's log when it never answers), `kill-background`,
`expect-fail`, `output=`, `file=`, `skip`. A lab's scenario extends the run only through the public
methods (`record`, `add_substitution`, `background_process`, `kill_background`, ...).
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

from mlflow_labs import settings
from mlflow_labs.errors import LabError, tail
from mlflow_labs.harness import cost
from mlflow_labs.harness.net import wait_http
from mlflow_labs.harness.process import BackgroundProcess
from mlflow_labs.harness.readme.parse import Block, exec_line, parse_blocks, summarize
from mlflow_labs.harness.readme.steps import DocStepError, Step, Substitution, timed
from mlflow_labs.harness.tools import ToolError, run_tool


class ReadmeRunner:
    """Runs one README's blocks in a work dir; background blocks are stopped by close().

    ``infra`` ('docker', 'local', ...): only the blocks of that path run (`infra=` tags); None runs all.
    """

    def __init__(self, readme: Path, workdir: Path | None = None, *, substitutions: list[Substitution] = (),
                 env: dict | None = None, display_root: Path | None = None,
                 progress: Callable[[str], None] | None = None, default_timeout: float = 900,
                 infra: str | None = None):
        self.readme = Path(readme)
        self.owns_workdir = workdir is None  # a temp dir of our own is removed by close()
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix="lab-"))
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.substitutions = list(substitutions)
        self.display = _display(self.readme, display_root)
        self.progress = progress or (lambda msg: None)
        self.default_timeout = default_timeout
        self.infra = infra
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
        self._ran: set[int] = set()  # lines of the blocks run: whole or partial README run (harness/cost.py)
        self._counted = False

    # -- what a scenario may add to the run ---------------------------------------------------------
    def record(self, step: Step) -> Step:
        """A step the scenario does itself (lab 2's `helm template` for the README's `helm install`),
        reported in order with the README's own; time it with `steps.timed`."""
        self.steps.append(step)
        return step

    def add_substitution(self, sub: Substitution) -> None:
        """A substitution known only once earlier blocks ran (a password a block generated)."""
        self.substitutions.append(sub)

    def background_process(self, line: int) -> BackgroundProcess | None:
        """The process the background block at ``line`` started (None when it is not running)."""
        entry = self.background.get(line)
        return entry[1] if entry else None

    def find(self, *, pattern: str | None = None, text: str | None = None, file: str | None = None,
             action: str | None = None, nth: int = 0) -> Block:
        """The one way a scenario finds a README block: the ``nth`` of this path's blocks whose text matches
        ``pattern`` (a regex) or contains ``text``, or that writes ``file``, of ``action`` if given.
        None found is a LabError naming the README: the scenario and the README disagree."""
        found = [b for b in self.blocks if self.mine(b)
                 and (pattern is None or re.search(pattern, b.text))
                 and (text is None or text in b.text)
                 and (file is None or b.directive.get("file") == file)
                 and (action is None or b.action == action)]
        if len(found) <= nth:
            sought = ", ".join(f"{k} {v!r}" for k, v in (("matching", pattern), ("containing", text),
                                                           ("writing", file), ("of action", action)) if v is not None)
            path = f" on the {self.infra} path" if self.infra else ""
            raise LabError(f"{self.display}: no block {sought} (#{nth}){path}: the lab's scenario and its README "
                           f"disagree; put the block back in the README or change the scenario with it.")
        return found[nth]

    def background_lines(self) -> list[int]:
        return [b.line for b in self.blocks if b.action == "background"]

    # -- text ---------------------------------------------------------------------------------
    def substitute(self, text: str) -> str:
        for s in self.substitutions:
            new = re.sub(s.pattern, s.replacement, text)
            if new != text:
                self.applied.setdefault(s.reason, f"{s.pattern!r} -> {s.replacement!r}")
            text = new
        return text

    def mine(self, b: Block) -> bool:
        """Whether ``b`` belongs to this run's infra path (`infra=`)."""
        return b.on_infra(self.infra)

    # -- running ------------------------------------------------------------------------------
    def run(self, *, stop_before_line: int | None = None, only_lines: set[int] | None = None) -> list[Step]:
        for b in self.blocks:
            if stop_before_line and b.line >= stop_before_line:
                break
            if only_lines is not None and b.line not in only_lines:
                continue
            self.run_block(b)
        return self.steps

    def run_from(self, first: Block, last: Block | None = None) -> None:
        """The blocks from ``first`` through ``last`` (or the end), in README order."""
        go = False
        for b in self.blocks:
            go = go or b.line == first.line
            if go:
                self.run_block(b)
                if last is not None and b.line == last.line:
                    return

    def run_block(self, b: Block) -> Step | None:
        """Run one block as its directives say; None for a block of another infra path (not a step here)."""
        if not self.mine(b):
            return None
        if "kill-background" in b.directive:
            self.kill_background()
        self._ran.add(b.line)
        summary = f"write {b.directive['file']}" if b.action == "file" else summarize(b.text)
        step = self.record(Step(self.display, b.line, b.action, summary))
        with timed(step):
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
                if b.directive.get("health") and _starts_mlflow(b.text):  # `docker run -d ... mlflow server`
                    cost.count(cost.SERVER, f"{self.display}:{b.line}")
                self._run_shell(b, step)
                if b.directive.get("health"):
                    # `docker run -d` returned; the server start is the step's own time (a learner waits
                    # it in the README's next block), not harness overhead: scripts/bench counts it so
                    self._wait_container(b, step)
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
            p = run_tool(["bash", "-c", self._script(b, cwd_file)], env=self.env, timeout=timeout, check=False)
        except ToolError as exc:  # run_tool raises only for a timeout when check=False
            raise DocStepError(step, f"block did not finish within {timeout:.0f} s\n$ {b.text.strip()}\n"
                                     f"--- output tail ---\n{tail(exc.stdout + exc.stderr)}") from None
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

    def _wait_container(self, b: Block, step: Step) -> None:
        """`health=` on a `docker run -d` block: wait for the server in the container; on failure its log."""
        wait_http(self.substitute(str(b.directive["health"])), timeout=float(b.directive.get("timeout", 240)),
                  what=f"the container started at {step.where}", log=lambda: self._container_log(b),
                  progress=self.progress)

    def _container_log(self, b: Block) -> str:
        m = re.search(r"--name (\S+)", self.substitute(b.text))
        if not m:
            return "(no log)"
        try:
            p = run_tool(["docker", "logs", "--tail", "25", m.group(1)], timeout=60, check=False)
        except LabError as exc:
            return f"(no log: {exc})"
        return (p.stdout + p.stderr) if p.returncode == 0 else f"(no log: {tail(p.stderr.strip() or p.stdout, 3)})"

    def _start_background(self, b: Block, step: Step) -> None:
        health = self.substitute(str(b.directive.get("health", "")))
        timeout = float(b.directive.get("timeout", 300))
        log = self.workdir / f"background-{b.line}.log"
        script = f"cd {shlex.quote(str(self.cwd))}\n" + exec_line(self.substitute(b.text))
        proc = BackgroundProcess(["bash", "-c", script], log_path=log, env=self.env)
        if _starts_mlflow(b.text):
            cost.count(cost.SERVER, f"{self.display}:{b.line}")
        self.background[b.line] = (b, proc)  # before start(): close() stops it even if start is interrupted
        proc.start()
        self.progress(f"{step.where}: started in background: {step.summary}")
        if health:
            try:
                wait_http(health, timeout=timeout, what=f"the server started at {step.where}", alive=proc.alive,
                          log=proc.log_tail, progress=self.progress)
            except LabError as exc:
                proc.stop()
                raise DocStepError(step, str(exc)) from None
        step.status, step.note = "passed", f"running; log {log}"

    def kill_background(self) -> None:
        """`kill-background`: SIGKILL each server a background block started (exactly its process group)."""
        for line in list(self.background):
            self.progress(f"kill -9 the server started at {self.display}:{line}")
            self.background.pop(line)[1].stop(timeout=0, sig=signal.SIGKILL)

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

    def count_run(self) -> None:
        """Count this README run once (harness/cost.py): whole when every block of its path that does something
        (runs, starts or writes) ran, else partial."""
        if self._counted or not self._ran:
            return
        self._counted = True
        whole = {b.line for b in self.blocks if self.mine(b) and b.action not in ("skip", "show")} <= self._ran
        cost.count(cost.README_WHOLE if whole else cost.README_PARTIAL, self.display)

    def close(self) -> None:
        self.count_run()
        self.stop_background()
        if self.owns_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _starts_mlflow(text: str) -> bool:
    """Whether a server block starts MLflow (`mlflow ui`, `mlflow server`, a script or container running it)."""
    return "mlflow" in text.lower()


def _display(readme: Path, root: Path | None) -> str:
    """README path as reported: relative to the checkout when inside it (a copy elsewhere keeps its full path)."""
    try:
        return str(readme.resolve().relative_to(root.resolve())) if root else str(readme)
    except ValueError:
        return str(readme)
