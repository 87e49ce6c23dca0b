"""The learner replay: a lab README run the way a learner types it, with none of the harness's help.

The harness (`runner.ReadmeRunner` + a lab's scenario) runs each block in a fresh `bash -c` with its own
environment, starts PostgreSQL and servers itself and skips the blocks that would. A learner has one
terminal, a second one for a server, and nothing else. So the replay:

- runs the blocks in ONE persistent bash session (exports, `cd` and `source` carry over; an `exit`
  closes it, as it would close the learner's terminal), in order, on one route (`infra=` tags,
  read by the same `Block.on_infra` as the harness's runner);
- runs blocks the harness skips because it would start their infra itself, as written; skips only
  blocks marked `by-hand=skip` (root provisioning, the command that runs the whole README);
- runs server blocks ("in a second terminal") as separate processes with the same clean environment,
  in the session's current folder, and refuses to start one while its port already answers; where the
  README says to stop one with Ctrl+C and start the same command again, it does just that;
- starts from a clean environment: a fresh HOME (no git identity, no pip/docker config), no
  MLFLOW_LABS_* or MLFLOW_* variables, PATH = the course venv + the system's, the folder the README
  says the learner starts in (HOME, the root of the course repository, or a copy of the lab's folder
  for "run from this folder": labs 2 and 3 on kind);
- substitutes only the placeholders the README shows the learner (ports, `<RDS-ENDPOINT>`,
  `<USERNAME>`, an air-gapped image name), from the lab's own table (`labN/byhand.py`, named by its spec), each reported;
- types into a block's stdin only what the learner pastes where the README reads it (`read -rs`): a
  lab's ``paste`` hook does the README's browser steps the learner's way and returns what they copied
  (lab 7's tokens); every other block reads /dev/null;
- fails at README:LINE, the line of the first command that failed (bash's ERR trap);
- at the end stops what the README says to stop by hand (Ctrl+C = SIGINT to a server's terminal) and
  fails when anything it started is still running afterwards (a process carrying the replay's HOME,
  a container the README named).
"""

from __future__ import annotations

import os
import pwd
import re
import shlex
import shutil
import signal
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import requests

from mlflow_labs import settings
from mlflow_labs.errors import LabError, StartupError, tail, tail_file
from mlflow_labs.harness import cost
from mlflow_labs.harness.net import wait_until
from mlflow_labs.harness.process import BackgroundProcess, processes
from mlflow_labs.harness.readme.learner_env import as_user, learner_env, learner_venv
from mlflow_labs.harness.readme.parse import Block, exec_line, parse_blocks, summarize
from mlflow_labs.harness.readme.rules import intro
from mlflow_labs.harness.readme.steps import DocStepError, Step, timed
from mlflow_labs.harness.report import Report
from mlflow_labs.harness.tools import run_tool

STOP_WAIT = 90  # seconds a learner waits after Ctrl+C (MLflow's job runners took ~26 s to stop here under load)

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


@dataclass
class Placeholder:
    """One row of the table: what the README shows, what the replay types instead, and why."""
    pattern: str
    replacement: str | Callable
    reason: str

    def apply(self, text: str) -> str:
        return re.sub(self.pattern, self.replacement, text)


def host_port(documented: int, actual: int) -> Placeholder:
    """A port on the learner's machine: every occurrence except the container side of `-p HOST:CONTAINER`."""
    def repl(m: re.Match) -> str:
        # container side: after `-p [IP:]HOSTPORT:`; the host side follows `-p ` or `-p IP:`
        return m.group(0) if re.search(r"-p\s+(\S*:)?\d+:$", m.string[:m.start()]) else str(actual)
    return Placeholder(rf"(?<!\d){documented}(?!\d)", repl,
                       f"port {documented} -> free port {actual} (the README: use another port if {documented} is taken)")


def literal(text: str, value: str, reason: str) -> Placeholder:
    return Placeholder(re.escape(text), value.replace("\\", r"\\"), reason)


class LearnerReplay:
    """Replays one README on one route. `run()` returns a Report; the report's error names README:LINE."""

    def __init__(self, readme: Path, *, route: str | None = None, start: str = "home",
                 placeholders: list[Placeholder] = (), workdir: Path | None = None, user: str | None = None,
                 progress: Callable[[str], None] | None = None, display_root: Path | None = None,
                 venv_bin: Path | None = None, default_timeout: float = 900, report_name: str | None = None,
                 paste: Callable[["LearnerReplay", Block], str | None] | None = None):
        self.readme = Path(readme).resolve()
        self.route = route
        self.placeholders = list(placeholders)
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
        self.servers: dict[int, BackgroundProcess] = {}  # README line -> the "second terminal" process
        self.containers: list[str] = []
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

    def _own(self, path: Path) -> None:
        if self.user:
            os.chown(path, self.user.pw_uid, self.user.pw_gid)

    # -- which blocks a learner runs ---------------------------------------------------------------
    def fate(self, b: Block) -> str:
        """run | file | background | show | other-route | skip:<reason>"""
        d = b.directive
        if not b.on_infra(self.route):
            return "other-route"
        if d.get("by-hand") == "skip":
            return f"skip:{d.get('reason', '')}"
        if d.get("by-hand") == "background" or b.action == "background":
            return "background"
        if b.action == "file":
            return "file"
        if b.action == "skip" or b.action == "run":
            return "run"   # a block the harness skips because it starts that infra itself: run as written
        return "show"

    def substitute(self, text: str) -> str:
        for p in self.placeholders:
            new = p.apply(text)
            if new != text:
                self.applied.setdefault(p.reason, "substituted")
            text = new
        return text

    # -- the session -------------------------------------------------------------------------------
    def _start_session(self) -> None:
        self.session = BackgroundProcess(self._as_user(["bash", "--norc", "--noprofile", "-s"]), log_path=self.session_log,
                                         cwd=self.start_dir, env=self.env(), terminal=True, stdin_pipe=True)
        self.session.start()
        self._send(PRELUDE)

    def _send(self, text: str) -> None:
        self.session.write(text)

    def _run_in_session(self, b: Block, step: Step) -> None:
        self._seq += 1
        script = self.meta / f"block-{self._seq:03d}-line{b.line}.sh"
        status = self.meta / f"block-{self._seq:03d}.status"
        script.write_text(self.substitute(b.text))
        script.chmod(0o644)
        offset = self.session_log.stat().st_size
        timeout = float(b.directive.get("timeout", self.default_timeout))
        pasted = self.paste(self, b) if self.paste else None
        stdin = ""
        if pasted is not None:  # a file only the learner reads, gone once the block ran
            clip = self.meta / f"block-{self._seq:03d}.paste"
            clip.touch(mode=0o600)
            clip.write_text(pasted)
            self._own(clip)
            stdin = f" {shlex.quote(str(clip))}"
            self.report.substituted(f"{step.where}: pasted {len(pasted.splitlines())} line(s) copied in the "
                                    f"browser, as the README says", "paste")
        self.progress(f"{step.where}: {step.summary}")
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
        out = self._output(offset)
        step.note = tail(out, 5)
        self.cwd = Path(where)
        failed = fail_line != "ok" or last != "0"
        if "expect-fail" in b.directive:
            if not failed:
                raise DocStepError(step, f"the README says this block fails here, but it succeeded\n{tail(out)}")
            expected = b.directive.get("output")
            if isinstance(expected, str) and expected not in self._output(offset, lines=100_000):  # it must fail for the reason the README gives
                raise DocStepError(step, f"the block failed, but not with {expected!r} as the README says\n{tail(out)}")
        elif failed:
            line = b.line + int(fail_line) if fail_line != "ok" else b.line + len(b.text.rstrip("\n").splitlines())
            code = fail_status if fail_line != "ok" else last
            text = self.substitute(b.text).splitlines()[line - b.line - 1].strip()
            step.line = line
            raise DocStepError(step, f"`{text}` exited {code}\n--- output tail ---\n{tail(out)}{self._dead_servers()}")
        step.status = "passed"

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
    def _answers(self, url: str) -> bool:
        try:
            requests.get(url, timeout=3)
            return True
        except requests.RequestException:
            return False

    def _start_server(self, b: Block, step: Step) -> None:
        text = self.substitute(b.text).strip()
        restart = "Ctrl+C" in intro(self.readme.read_text(), b.line)
        for line, proc in list(self.servers.items()):
            # "stop it (Ctrl+C) and start it again": the same command, in the same terminal
            if restart and proc.alive() and self.substitute(self._block_at(line).text).strip() == text:
                proc.signal_group(signal.SIGINT)
                if not proc.wait(STOP_WAIT):
                    raise DocStepError(step, f"the command started at {self.display}:{line} did not stop within "
                                             f"{STOP_WAIT} s of Ctrl+C, so it cannot be started again here")
                self.report.substituted(f"Ctrl+C to the terminal of {self.display}:{line}, to start it again "
                                        f"at line {b.line}", "as the README says")
        health = self.substitute(str(b.directive.get("health", "")))
        if health and self._answers(health):
            raise DocStepError(step, f"{health} already answers before this block starts its server: something from an "
                                     f"earlier step is still running on that port (a destroy step that left a process "
                                     f"alive?). The new server would fail with 'address already in use' while the old "
                                     f"one keeps answering.")
        single = len(text.splitlines()) == 1
        script = f"cd {shlex.quote(str(self.cwd))} && {exec_line(text) if single else text}"
        log_path = self.meta / f"server-line{b.line}.log"
        proc = BackgroundProcess(self._as_user(["bash", "--norc", "--noprofile", "-c", script]), log_path=log_path,
                                 env=self.env(), terminal=True)
        self.servers[b.line] = proc
        if "mlflow" in text.lower():
            cost.count(cost.SERVER, f"by hand {self.display}:{b.line}")
        proc.start()
        self.progress(f"{step.where}: in a second terminal: {step.summary}")
        step.status, step.note = "passed", f"running in a second terminal (pid {proc.pid}); log {log_path}"

    def _block_at(self, line: int) -> Block:
        return next(b for b in self.blocks if b.line == line)

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
        marker = f"HOME={self.home}".encode()
        return [(p.pid, p.cmdline[:120]) for p in processes(environ=True)
                if p.pid != os.getpid() and marker in p.environ]

    def _kill_leftovers(self) -> list[tuple[int, str]]:
        left = self.leftover_processes()
        for pid, _ in left:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        return left

    def _container_names(self) -> list[str]:
        names = []
        for b in self.blocks:
            if self.fate(b) == "run":
                names += [n for n in re.findall(r"--name\s+(\S+)", b.text) if n not in names]
        return names

    def _existing_containers(self, names: list[str]) -> list[str]:
        if not names or not shutil.which("docker"):
            return []
        p = run_tool(["docker", "ps", "-a", "--format", "{{.Names}}"], timeout=60, check=False)
        present = set(p.stdout.split())
        return [n for n in names if n in present]

    # -- the whole replay --------------------------------------------------------------------------
    def run(self) -> Report:
        names = self._container_names()
        clash = self._existing_containers(names)
        if clash:
            self.report.error = (f"container(s) {', '.join(clash)} exist already and were not started by this replay; "
                                 f"the README names them literally, so a learner's run would collide too. Remove them "
                                 f"(docker rm -f {' '.join(clash)}) if they are yours, or wait for the other run.")
            return self.report
        self.containers = names
        if self.user:
            self.report.substituted(f"the learner is unprivileged user '{self.user.pw_name}' (PostgreSQL refuses "
                                    f"root), with the course venv {self.venv_bin.parent}", "environment")
        try:
            with self.report.phase("replay"):
                self._start_session()
                for b in self.blocks:
                    self._block(b)
            with self.report.phase("clean-up check"):
                self._final_check()
        except LabError as exc:
            self.report.error = str(exc)
        except Exception as exc:  # noqa: BLE001 - one paragraph, never a traceback
            self.report.error = f"{type(exc).__name__}: {exc} (a replay bug, not a README step)"
        finally:
            self.close()
            if self.steps:  # harness/cost.py: the replay went through its README, or stopped part way
                cost.count(cost.README_PARTIAL if self.report.error else cost.README_WHOLE, f"by hand {self.display}")
        return self.report

    def _block(self, b: Block) -> None:
        fate = self.fate(b)
        if fate in ("show", "other-route"):
            return
        summary = f"write {b.directive['file']}" if fate == "file" else summarize(b.text)
        step = Step(self.display, b.line, fate if not fate.startswith("skip") else "skip", summary)
        self.steps.append(step)
        with timed(step):
            if fate.startswith("skip:"):
                step.status, step.note = "skipped", fate[5:]
            elif fate == "file":
                target = self.cwd / str(b.directive["file"])
                target.write_text(self.substitute(b.text))
                self._own(target)
                step.status, step.note = "passed", f"saved as {target}"
            elif fate == "background":
                self._start_server(b, step)
            else:
                self._run_in_session(b, step)

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
        containers = self._existing_containers(self.containers)
        problems = [f"pid {pid}: {cmd}" for pid, cmd in left] + [f"container {n}" for n in containers]
        if problems:
            raise LabError(f"{self.display}: after its last step (and Ctrl+C in each server's terminal) the README left "
                           f"running: {'; '.join(problems)}. Its clean-up must stop everything its steps started.")

    def close(self) -> None:
        if self.session is not None:
            self.session.signal_group(signal.SIGKILL)
            self.session.close_stdin()
            self.session.wait(10)
            self.session = None
        for proc in self.servers.values():
            proc.signal_group(signal.SIGKILL)
            proc.wait(10)
        self._kill_leftovers()
        for n in self._existing_containers(self.containers):  # only names checked absent before we started
            run_tool(["docker", "rm", "-f", n], timeout=120, check=False)
        self.report.substituted_all(self.applied)
        self.report.add_steps(self.steps)
        if self._own_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)


# -- the per-lab tables (where the learner starts, the placeholders) are each lab's own: labN/byhand.py --------
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
