"""Running the command-line tools a lab drives (kind, helm, kubectl, docker, git, dvc): the one
subprocess runner, `run_tool`, and its one error, `ToolError`.

Every failure names the command that was run (and where), its exit status and the tail of its
output, so a learner can paste the command into a terminal and see the same thing. (The README
runner in harness/readme/runner.py runs whole bash blocks with its own README:LINE errors.)
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Sequence

from mlflow_labs.errors import LabError, PrerequisiteMissing, tail
from mlflow_labs.harness.process import kill_tree
from mlflow_labs.harness.signals import interrupts_held

# How to get each tool; the text `mlflow-labs doctor` and the skips show (kept beside the runner
# so an error raised deep inside a lab names the same fix as the preflight).
INSTALL = {
    "docker": "install Docker Engine (https://docs.docker.com/engine/install/) and start it "
              "(sudo systemctl start docker)",
    "kind": "go install sigs.k8s.io/kind@v0.24.0, or: curl -Lo ./kind "
            "https://kind.sigs.k8s.io/dl/v0.24.0/kind-linux-amd64 && chmod +x ./kind && sudo mv ./kind /usr/local/bin/",
    "helm": "curl -fsSL https://raw.githubusercontent.com/helm/helm/main/scripts/get-helm-3 | bash",
    "kubectl": "curl -LO \"https://dl.k8s.io/release/$(curl -Ls https://dl.k8s.io/release/stable.txt)/bin/linux/amd64/kubectl\" "
               "&& sudo install kubectl /usr/local/bin/ (see https://kubernetes.io/docs/tasks/tools/)",
}


class ToolError(LabError):
    """A tool exited non-zero (or timed out): the command, where it ran, the exit code, the output tail,
    and (when the caller knows it) what was being done and how to fix it."""

    def __init__(self, args: Sequence[str], returncode: int | None, stdout: str, stderr: str, note: str = "",
                 *, what: str = "", cwd=None, hint: str = ""):
        self.args_ = list(args)
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr
        status = "timed out" if returncode is None else f"exited {returncode}"
        where = f" in {cwd}" if cwd else ""
        detail = tail(stderr.strip() or stdout.strip() or "(no output)", 15)
        super().__init__((f"{what} failed: " if what else "") + f"`{shlex.join(self.args_)}`{where} {status}{note}.\n"
                         f"{detail}" + (f"\n{hint}" if hint else ""))


@dataclass
class ToolResult:
    args: list[str]
    returncode: int
    stdout: str
    stderr: str


def find_tool(name: str) -> str | None:
    """A command beside this Python first (tox/pip put mlflow and dvc there without activating), then PATH."""
    beside = Path(sys.executable).with_name(name)
    return str(beside) if beside.exists() else shutil.which(name)


def require_tool(name: str, *, why: str = "", fix: str | None = None) -> str:
    """The tool's path, or PrerequisiteMissing naming it, what needs it (``why``) and how to install it."""
    path = shutil.which(name)
    if not path:
        raise PrerequisiteMissing(f"`{name}` is not on PATH{'; ' + why if why else ''}.",
                                  fix or INSTALL.get(name, f"install {name}"))
    return path


def run_tool(args: Sequence[str], *, env: Mapping[str, str] | None = None, timeout: float = 600,
             input: str | None = None, check: bool = True, cwd=None, what: str = "", hint: str = "") -> ToolResult:
    """Run ``args`` (no shell), capture output; raise ToolError on failure when ``check``.

    ``env`` is added to this process's environment (e.g. KUBECONFIG), not a replacement for it.
    ``what`` (e.g. "git clone of the project repo") and ``hint`` (the fix) go into the error.
    """
    args = [str(a) for a in args]
    require_tool(args[0])
    full_env = {**os.environ, **(env or {})}
    p = None
    try:
        # not subprocess.run: a Ctrl-C/SIGTERM landing inside its Popen leaves a child nobody stops
        with interrupts_held():
            p = subprocess.Popen(args, env=full_env, cwd=cwd, text=True, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE,
                                 stdin=subprocess.PIPE if input is not None else subprocess.DEVNULL)
        out, err = p.communicate(input, timeout=timeout)
    except subprocess.TimeoutExpired:
        kill_tree(p)
        out, err = p.communicate()
        raise ToolError(args, None, out or "", err or "", f" after {timeout:.0f} s", what=what, cwd=cwd,
                        hint=hint) from None
    finally:
        if p is not None and p.poll() is None:  # interrupted: the tool does not outlive the harness
            kill_tree(p)
    if check and p.returncode != 0:
        raise ToolError(args, p.returncode, out, err, what=what, cwd=cwd, hint=hint)
    return ToolResult(args, p.returncode, out, err)


# -- several commands at the same time ---------------------------------------------------------------
def run_at_once(commands: Sequence[Sequence[str]], *, timeout: float = 600, env: Mapping[str, str] | None = None,
                cwd=None) -> list[ToolResult | ToolError]:
    """Start every command before waiting for any, so they really run at the same time (what a race
    between processes needs), then collect each one's output, in the order given.

    Each command has ``timeout`` seconds from the common start; one still running then is killed and
    stands in the list as its ToolError (the one paragraph run_tool would raise), so a hung process
    neither hides what the others did nor reaches the user as a traceback. A non-zero exit is a
    result, as with run_tool(check=False): the caller judges the outputs."""
    cmds = [[str(a) for a in c] for c in commands]
    for c in cmds:
        require_tool(c[0])
    full_env = {**os.environ, **(env or {})}
    procs: list[subprocess.Popen] = []
    try:
        for c in cmds:
            with interrupts_held():  # stored in procs before an interrupt can leave it unnamed
                procs.append(subprocess.Popen(c, env=full_env, cwd=cwd, text=True, stdin=subprocess.DEVNULL,
                                              stdout=subprocess.PIPE, stderr=subprocess.PIPE))
        deadline = time.monotonic() + timeout
        out: list[ToolResult | ToolError] = []
        for c, p in zip(cmds, procs):
            try:
                o, e = p.communicate(timeout=max(0.0, deadline - time.monotonic()))
                out.append(ToolResult(c, p.returncode, o, e))
            except subprocess.TimeoutExpired:
                finished = p.poll() is not None  # it ended while an earlier one was waited for
                if not finished:
                    kill_tree(p)
                o, e = p.communicate()
                out.append(ToolResult(c, p.returncode, o, e) if finished
                           else ToolError(c, None, o or "", e or "", f" after {timeout:.0f} s", cwd=cwd))
        return out
    finally:
        for p in procs:  # only after an error above: every process has been waited for otherwise
            if p.poll() is None:
                kill_tree(p)
