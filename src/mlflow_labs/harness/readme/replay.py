"""The learner replay: a lab README run the way a learner types it, with none of the harness's help.

The harness (`runner.ReadmeRunner` + a lab's scenario) runs each block in a fresh `bash -c` with its own
environment, starts PostgreSQL and servers itself and skips the blocks that would. A learner has one
terminal, a second one for a server, and nothing else. Both are executors of the ONE evaluation of each
directive (executor.BlockExecutor, harness/readme/directives.py); what is this executor's own:

- the blocks run in ONE persistent bash session (exports, `cd` and `source` carry over; an `exit`
  closes it, as it would close the learner's terminal), in order, on one route;
- blocks the harness skips because it would start their infra itself run as written; only blocks
  marked `by-hand=skip` (root provisioning, the command that runs the whole README) are skipped;
- server blocks ("in a second terminal") run as separate processes with the same clean environment,
  in the session's current folder;
- it starts from a clean environment: a fresh HOME (no git identity, no pip/docker config), no
  MLFLOW_LABS_* or MLFLOW_* variables, PATH = the course venv + the system's, the folder the README
  says the learner starts in (HOME, the root of the course repository, or a copy of the lab's folder
  for "run from this folder": labs 2 and 3 on kind);
- it substitutes only the placeholders the README shows the learner (ports, `<RDS-ENDPOINT>`,
  `<USERNAME>`, an air-gapped image name), from the lab's own table (its spec, or `labN/byhand.py`;
  the vocabulary is harness/readme/placeholders.py), each reported;
- it types into a block's stdin only what the learner pastes where the README reads it (`read -rs`): a
  lab's ``paste`` hook does the README's browser steps the learner's way and returns what they copied
  (lab 7's tokens); every other block reads /dev/null;
- it fails at README:LINE, the line of the first command that failed (bash's ERR trap);
- at the end it stops what the README says to stop by hand (Ctrl+C = SIGINT to a server's terminal) and
  fails when anything it started is still running afterwards (a process carrying the replay's HOME,
  a container or network the README named).
"""

from __future__ import annotations

import os
import pwd
import shlex
import shutil
import signal
import sys
import tempfile
from pathlib import Path
from typing import Callable

from mlflow_labs import settings
from mlflow_labs.errors import LabError, StartupError, tail, tail_file
from mlflow_labs.harness.net import wait_until
from mlflow_labs.harness.process import BackgroundProcess
from mlflow_labs.harness.readme import leftovers
from mlflow_labs.harness.readme.executor import STOP_WAIT, BlockExecutor, Outcome
from mlflow_labs.harness.readme.learner_env import DOWNLOAD_CACHES, as_user, learner_env, learner_venv
from mlflow_labs.harness.readme.parse import Block, parse_blocks
from mlflow_labs.harness.readme.placeholders import Placeholder
from mlflow_labs.harness.readme.steps import DocStepError, Step
from mlflow_labs.harness.report import Report

# Defined once in the learner's session. The ERR trap records the first failing command of the block
# file being sourced (BASH_SOURCE tells it from the helper's own lines); stdin is /dev/null, so a
# command that would prompt fails instead of eating the replay's next command.
PRELUDE = r"""
set -E
__lab_fail=
__lab_file=
trap '__lab_st=$?; if [ "${BASH_SOURCE[0]}" = "$__lab_file" ] && [ -z "$__lab_fail" ]; then __lab_fail="$LINENO $__lab_st"; fi' ERR
__lab_run() {
  __lab_fail=; __lab_file="$1"
  source "$1" < "${3:-/dev/null}"
  __lab_last=$?
  __lab_file=
  { echo "${__lab_fail:-ok 0} $__lab_last"; pwd; } > "$2.tmp"
  mv "$2.tmp" "$2"
}
"""


class LearnerReplay(BlockExecutor):
    """Replays one README on one route. `run()` returns a Report; the report's error names README:LINE.
    The learner's executor of the one evaluation (executor.BlockExecutor): the blocks in one shell."""

    by_hand = True
    records_shown = False
    started_words = "in a second terminal"

    def __init__(self, readme: Path, *, route: str | None = None, start: str = "home",
                 placeholders: list[Placeholder] = (), workdir: Path | None = None, user: str | None = None,
                 progress: Callable[[str], None] | None = None, display_root: Path | None = None,
                 venv_bin: Path | None = None, default_timeout: float = 900, report_name: str | None = None,
                 paste: Callable[["LearnerReplay", Block], str | None] | None = None):
        self.readme = Path(readme).resolve()
        self.route = self.path = route
        self.substitutions = list(placeholders)
        self.paste = paste   # (replay, block) -> what the learner pastes into that block, or None
        self.progress = progress or (lambda m: None)
        self.default_timeout = default_timeout
        self.display = str(self.readme.relative_to(display_root)) if display_root else str(self.readme)
        self.blocks = parse_blocks(self.readme.read_text())
        self._own_workdir = workdir is None
        # under /tmp: an unprivileged learner must be able to enter it
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix="mlflow-labs-replay-", dir="/tmp"))
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.workdir.chmod(0o755)
        self.home = self.workdir / "home"
        self.home.mkdir(parents=True, exist_ok=True)
        self.meta = self.workdir / "replay"   # block files, status files, logs: not in the learner's HOME
        self.meta.mkdir(exist_ok=True)
        self.venv_bin = Path(venv_bin or Path(sys.executable).parent)
        # where the README puts the learner: HOME, the root of the course repository the README is in, or
        # the README's own folder ("run from this folder"): a copy of it, so the clone stays clean
        if start == "lab":
            self.start_dir = self.workdir / "clone" / self.readme.parent.name
            shutil.copytree(self.readme.parent, self.start_dir)
        else:
            self.start_dir = self.home if start == "home" else self.readme.parent.parent.parent
        self.user = self._user(user)
        self.report = Report(report_name or f"{self.readme.parent.name}-by-hand{'-' + route if route else ''}")
        self.steps: list[Step] = []
        self.applied: dict[str, str] = {}
        self.session: BackgroundProcess | None = None  # the learner's terminal: one `bash -s` reading blocks
        self.session_log = self.meta / "session.log"
        self.cwd = self.start_dir
        self._init_servers()   # README line -> the "second terminal" process
        self.docker_named: list[tuple[str, str]] = []  # (kind, name): what the README names literally
        self._seq = 0

    # -- the clean environment -------------------------------------------------------------------
    def _user(self, name: str | None):
        if not name or os.geteuid() != 0:
            return None
        entry = pwd.getpwnam(name)
        for p in [self.home, *self.home.rglob("*"), self.meta]:  # the learner writes status files to meta
            os.chown(p, entry.pw_uid, entry.pw_gid)
        return entry

    def env(self) -> dict:
        return learner_env(self.home, self.venv_bin, self.user)

    def _as_user(self, argv: list[str]) -> list[str]:
        return as_user(argv, self.user)

    def own(self, path: Path) -> None:
        if self.user:
            os.chown(path, self.user.pw_uid, self.user.pw_gid)

    def remark(self, text: str, why: str) -> None:
        self.report.substituted(text, why)

    # -- the session -------------------------------------------------------------------------------
    def _start_session(self) -> None:
        self.session = BackgroundProcess(self._as_user(["bash", "--norc", "--noprofile", "-s"]), log_path=self.session_log,
                                         cwd=self.start_dir, env=self.env(), terminal=True, stdin_pipe=True)
        self.session.start()
        self._send(PRELUDE)

    def _send(self, text: str) -> None:
        self.session.write(text)

    def shell(self, b: Block, step: Step, timeout: float) -> Outcome:
        """The block typed into the learner's one shell (sourced from a file: its lines stay README lines)."""
        self._seq += 1
        script = self.meta / f"block-{self._seq:03d}-line{b.line}.sh"
        status = self.meta / f"block-{self._seq:03d}.status"
        script.write_text(self.substitute(b.text))
        script.chmod(0o644)
        offset = self.session_log.stat().st_size
        pasted = self.paste(self, b) if self.paste else None
        stdin = ""
        if pasted is not None:  # a file only the learner reads, gone once the block ran
            clip = self.meta / f"block-{self._seq:03d}.paste"
            clip.touch(mode=0o600)
            clip.write_text(pasted)
            self.own(clip)
            stdin = f" {shlex.quote(str(clip))}"
            self.report.substituted(f"{step.where}: pasted {len(pasted.splitlines())} line(s) copied in the "
                                    f"browser, as the README says", "paste")
        self._send(f"__lab_run {shlex.quote(str(script))} {shlex.quote(str(status))}{stdin}\n")

        def finished():
            if status.exists():
                return True, "finished"
            if not self.session.alive():
                raise StartupError("the learner's shell ended")  # ends the wait at once
            return None, "running"

        try:
            wait_until(finished, timeout=timeout, what=f"the block at {step.where}", interval=0.2)
        except StartupError:
            if not self.session.alive():
                raise DocStepError(step, f"the block ended the learner's shell (exit status {self.session.returncode}): "
                                         f"a learner's terminal would have closed here. Do not `exit` in a block a "
                                         f"learner pastes.\n--- output tail ---\n{self._output(offset)}") from None
            raise DocStepError(step, f"block did not finish within {timeout:.0f} s\n--- output tail ---\n"
                                     f"{self._output(offset)}") from None
        if pasted is not None:
            clip.unlink(missing_ok=True)
        first, where = status.read_text().splitlines()[:2]
        fail_line, fail_status, last = first.split()
        self.cwd = Path(where)
        output = self._output(offset, lines=100_000)
        if fail_line == "ok":   # no command failed on its way; the block's last status counts
            return Outcome(int(last), output, None if last == "0" else b.line + len(b.text.rstrip("\n").splitlines()))
        # the ERR trap's first failing command: a failure even when a later command ended 0
        return Outcome(int(fail_status) or 1, output, b.line + int(fail_line))

    def failure(self, b: Block, step: Step, outcome: Outcome, problem) -> str:
        """A failed command named by its own README line, as the learner's terminal showed it."""
        out = tail(outcome.output)
        if problem.kind == "exit" and outcome.line:
            step.line = outcome.line
            text = self.substitute(b.text).splitlines()[outcome.line - b.line - 1].strip()
            return f"`{text}` exited {outcome.status}\n--- output tail ---\n{out}{self._dead_servers()}"
        return f"{problem.text}\n--- output tail ---\n{out}{self._dead_servers()}"

    def _dead_servers(self) -> str:
        """What a learner would see in the second terminal: a server that exited, and its last lines."""
        out = ""
        for line, proc in self.servers.items():
            if not proc.alive():
                out += (f"\n--- the server started at {self.display}:{line} exited ({proc.returncode}); its terminal "
                        f"shows ---\n{tail_file(self.meta / f'server-line{line}.log', 15)}")
        return out

    def _output(self, offset: int, lines: int = 20) -> str:
        with open(self.session_log, "rb") as fh:
            fh.seek(offset)
            return tail(fh.read().decode(errors="replace"), lines)

    # -- the "second terminal" ---------------------------------------------------------------------
    def launch(self, script: str, log_path: Path) -> BackgroundProcess:
        return BackgroundProcess(self._as_user(["bash", "--norc", "--noprofile", "-c", script]), log_path=log_path,
                                 env=self.env(), terminal=True)

    def server_log(self, line: int) -> Path:
        return self.meta / f"server-line{line}.log"

    def _stop_servers(self) -> list[str]:
        """What the READMEs say to do by hand at the end: Ctrl+C in each server's terminal."""
        notes = []
        for line, proc in self.servers.items():
            if not proc.alive() or not proc.signal_group(signal.SIGINT):
                continue
            proc.wait(STOP_WAIT)
            notes.append(f"Ctrl+C (SIGINT) to the server of {self.display}:{line}")
        return notes

    # -- leftovers ---------------------------------------------------------------------------------
    def leftover_processes(self) -> list[tuple[int, str]]:
        """Processes still carrying this replay's HOME: everything the learner's shells started."""
        return leftovers.processes_of(self.home)

    # -- the whole replay --------------------------------------------------------------------------
    def run(self) -> Report:
        names = leftovers.docker_names([b.text for b in self.blocks if self.fate(b) == "run"])
        clash = leftovers.existing(names)
        if clash:
            self.report.error = (f"{', '.join(f'{kind} {n}' for kind, n in clash)} exist already and were not started by "
                                 f"this replay; the README names them literally, so a learner's run would collide too. "
                                 f"Remove them ({leftovers.removal(clash)}) if they are yours, or wait for the other run.")
            return self.report
        self.docker_named = names
        if self.user:
            self.report.substituted(f"the learner is unprivileged user '{self.user.pw_name}' (PostgreSQL refuses "
                                    f"root), with the course venv {self.venv_bin.parent}", "environment")
        if any(k in self.env() for k in ("PIP_CACHE_DIR", "npm_config_cache")):
            self.report.substituted(DOWNLOAD_CACHES, "environment")
        try:
            with self.report.phase("replay"):
                self._start_session()
                for b in self.blocks:
                    self.evaluate(b)
            with self.report.phase("clean-up check"):
                self._final_check()
        except LabError as exc:
            self.report.error = str(exc)
        except Exception as exc:  # noqa: BLE001 - one paragraph, never a traceback
            self.report.error = f"{type(exc).__name__}: {exc} (a replay bug, not a README step)"
        finally:
            self.close()
        return self.report

    def _end_session(self) -> None:
        """The learner closes the terminal (end of input); what it started in the background stays."""
        if self.session is None:
            return
        self.session.close_stdin()
        self.session.wait(30)

    def _final_check(self) -> None:
        self._end_session()
        stopped = self._stop_servers()
        for note in stopped:
            self.report.substituted(note, "as the README says: stop it with Ctrl+C")
        # a server's job runners finish after its CLI process; with no server stopped, a moment is enough
        try:
            wait_until(lambda: (None, "still running") if self.leftover_processes() else (True, "none left"),
                       timeout=STOP_WAIT if stopped else 2, what="the README's processes to end")
        except StartupError:
            pass  # what is left is named below
        left = self.leftover_processes()
        named = leftovers.existing(self.docker_named)
        problems = [f"pid {pid}: {cmd}" for pid, cmd in left] + [f"{kind} {n}" for kind, n in named]
        if problems:
            raise LabError(f"{self.display}: after its last step (and Ctrl+C in each server's terminal) the README left "
                           f"running: {'; '.join(problems)}. Its clean-up must stop everything its steps started.")

    def close(self) -> None:
        self.count_run()
        if self.session is not None:
            self.session.signal_group(signal.SIGKILL)
            self.session.close_stdin()
            self.session.wait(10)
            self.session = None
        for proc in self.servers.values():
            proc.signal_group(signal.SIGKILL)
            proc.wait(10)
        leftovers.kill(self.leftover_processes())
        leftovers.remove(self.docker_named)  # only names checked absent before we started
        self.report.substituted_all(self.applied)
        self.report.add_steps(self.steps)
        if self._own_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)


# -- the per-lab tables (where the learner starts, the placeholders) come from each lab's spec --------
def replay(spec, route: str | None = None, *, readme: Path | None = None, progress=print,
           workdir: Path | None = None) -> Report:
    """`mlflow-labs run LAB --by-hand`: the README of ``spec`` (a LabSpec) as a learner types it, on one route."""
    table = spec.byhand_table(route)
    readme = Path(readme or spec.dir / table.readme)
    venv_bin = learner_venv(progress) if table.user else None
    root = settings.repo_root()
    display_root = root if readme.resolve().is_relative_to(root) else None
    paste = table.paste(readme, progress) if table.paste else None  # lab 7: its browser sign-ins and tokens
    try:
        return LearnerReplay(readme, route=route, start=table.start, placeholders=table.placeholders, user=table.user,
                             progress=progress, display_root=display_root, workdir=workdir, venv_bin=venv_bin,
                             paste=paste, report_name=f"{spec.name}-by-hand{'-' + route if route else ''}").run()
    finally:
        if paste:
            paste.close()
