"""Run a lab README's fenced blocks in order: the docs are the test.

`ReadmeRunner` is the harness's executor: each block in a `bash -c` of its own (`set -eo pipefail`, the
folder carried from block to block), servers as background processes. What each directive means is
evaluated once, in executor.BlockExecutor (harness/readme/directives.py lists them), which the learner
replay is too. A lab's scenario extends the run only through the public methods (`find`, `record`,
`add_substitution`, `background_process`, `kill_background`, ...).
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

from mlflow_labs import settings
from mlflow_labs.errors import LabError, tail
from mlflow_labs.harness.process import BackgroundProcess
from mlflow_labs.harness.readme.executor import BlockExecutor, Outcome
from mlflow_labs.harness.readme.parse import Block, parse_blocks
from mlflow_labs.harness.readme.steps import DocStepError, Step, Substitution
from mlflow_labs.harness.tools import ToolError, run_tool


_RAN: set[Path] = set()   # every README whose blocks a runner of this process ran (a step passed or failed)


def readmes_run() -> set[Path]:
    """The READMEs (resolved) the harness ran in this process: what tells a lab's verdict its own run happened."""
    return set(_RAN)


class ReadmeRunner(BlockExecutor):
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
        self.infra = self.path = infra
        self.cwd = self.workdir
        self.steps: list[Step] = []
        self.applied: dict[str, str] = {}     # substitution reason -> what changed
        self._init_servers()
        self.blocks = parse_blocks(self.readme.read_text(), self.display)
        # the harness's own Python first on PATH, so `python`/`mlflow` are the ones tox installed
        bindir = str(Path(sys.executable).parent)
        self.env = {**os.environ, **(env or {})}
        self.env["PATH"] = bindir + os.pathsep + self.env.get("PATH", "")
        self.env.setdefault("LAB_DIR", str(self.readme.parent))
        for key, value in settings.SERVER_ENV.items():  # servers the README starts tolerate a loaded machine
            self.env.setdefault(key, value)
        self._seq = 0

    # -- what a scenario may add to the run ---------------------------------------------------------
    def record(self, step: Step) -> Step:
        """A step the scenario does itself (lab 2's `helm template` for the README's `helm install`),
        reported in order with the README's own; time it with `steps.timed`."""
        return super().record(step)

    def add_substitution(self, sub: Substitution) -> None:
        """A substitution known only once earlier blocks ran (a password a block generated)."""
        self.substitutions.append(sub)

    def background_process(self, line: int) -> BackgroundProcess | None:
        """The process the background block at ``line`` started (None when it is not running)."""
        return self.server(line)

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
        first = len(self.steps)
        try:
            return self.evaluate(b)
        finally:
            if any(s.status in ("passed", "failed") for s in self.steps[first:]):
                _RAN.add(self.readme.resolve())

    # -- how this executor runs a block ------------------------------------------------------------------
    def shell(self, b: Block, step: Step, timeout: float) -> Outcome:
        self._seq += 1
        cwd_file = self.workdir / f".lab-cwd-{self._seq}"
        script = (f"set -eo pipefail\ncd {shlex.quote(str(self.cwd))}\n"
                  f"trap 'pwd > {shlex.quote(str(cwd_file))}' EXIT\n" + self.substitute(b.text))
        try:
            p = run_tool(["bash", "-c", script], env=self.env, timeout=timeout, check=False)
        except ToolError as exc:  # run_tool raises only for a timeout when check=False
            raise DocStepError(step, f"block did not finish within {timeout:.0f} s\n$ {b.text.strip()}\n"
                                     f"--- output tail ---\n{tail(exc.stdout + exc.stderr)}") from None
        if cwd_file.exists():
            self.cwd = Path(cwd_file.read_text().strip())
        return Outcome(p.returncode, p.stdout + p.stderr)

    def launch(self, script: str, log_path: Path) -> BackgroundProcess:
        return BackgroundProcess(["bash", "-c", script], log_path=log_path, env=self.env, terminal=True)

    def server_log(self, line: int) -> Path:
        return self.workdir / f"background-{line}.log"

    def kill_background(self) -> None:
        """`kill-background`: SIGKILL each server a background block started (exactly its process group)."""
        self.kill_servers()

    def stop_background(self, line: int | None = None) -> None:
        for ln in list(self.servers):
            if line is None or ln == line:
                self.servers.pop(ln).stop()

    def restart_background(self, line: int) -> Step:
        """Stop the server a background block started and run that block again (same files)."""
        block = next(b for b in self.blocks if b.line == line)
        t0 = time.monotonic()
        self.stop_background(line)
        stopped = time.monotonic() - t0
        step = self.run_block(block)
        step.seconds += stopped  # the README's restart is stop + start (Ctrl+C, then the command again)
        return step

    def close(self) -> None:
        self.count_run()
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
