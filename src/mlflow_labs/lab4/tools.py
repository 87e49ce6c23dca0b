"""git and dvc, run for real: finding them, and running them through the one runner (harness.tools.run_tool),
whose ToolError carries the command, where it ran, the exit code and the output tail."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import yaml

from mlflow_labs.errors import LabError, PrerequisiteMissing
from mlflow_labs.harness.tools import ToolError, ToolResult, find_tool, run_tool

HEX40 = frozenset("0123456789abcdef")
__all__ = ["ToolError", "run", "git", "dvc"]  # ToolError is the one runner's error, re-exported for lab 4


def git_executable() -> str:
    found = shutil.which("git")
    if not found:
        raise PrerequisiteMissing("git is not installed; Lab 4 versions the training code with it.",
                                  "apt-get install -y git (Debian/Ubuntu) or see https://git-scm.com/downloads")
    return found


def dvc_executable() -> str:
    """dvc next to this Python first (the one tox/pip installed with mlflow-labs), then PATH."""
    found = find_tool("dvc")
    if not found:
        raise PrerequisiteMissing("dvc is not installed; Lab 4 versions the data with it.",
                                  "pip install 'dvc>=3.50' (into the same environment as mlflow-labs)")
    return found


def tool_env(base: dict | None = None) -> dict:
    """Offline and non-interactive: no DVC analytics or update checks, no git password prompts."""
    env = dict(os.environ if base is None else base)
    env.update({"DVC_NO_ANALYTICS": "1", "GIT_TERMINAL_PROMPT": "0"})
    bindir = str(Path(sys.executable).parent)
    if bindir not in env.get("PATH", "").split(os.pathsep):
        env["PATH"] = bindir + os.pathsep + env.get("PATH", "")
    return env


def with_git_identity(env: dict) -> dict:
    """Commits need an author; on a machine with none configured, use a lab identity (env only)."""
    p = run_tool([git_executable(), "config", "user.email"], env=env, check=False, timeout=60)
    if p.stdout.strip() or env.get("GIT_AUTHOR_EMAIL"):
        return env
    return {**env, "GIT_AUTHOR_NAME": "mlflow-labs", "GIT_AUTHOR_EMAIL": "mlflow-labs@localhost",
            "GIT_COMMITTER_NAME": "mlflow-labs", "GIT_COMMITTER_EMAIL": "mlflow-labs@localhost"}


def run(cmd: list[str], cwd: Path, *, what: str, env: dict | None = None, timeout: float = 600,
        hint: str = "") -> ToolResult:
    """git/dvc in ``cwd`` with the lab's offline environment (``env`` replaces it when given)."""
    return run_tool(cmd, cwd=cwd, env=env or tool_env(), timeout=timeout, what=what, hint=hint)


def git(cwd: Path, *args: str, what: str | None = None, hint: str = "") -> str:
    return run([git_executable(), *args], cwd, what=what or f"git {args[0]}", hint=hint).stdout.strip()


def dvc(cwd: Path, *args: str, what: str | None = None, hint: str = "") -> str:
    return run([dvc_executable(), *args], cwd, what=what or f"dvc {args[0]}", hint=hint).stdout.strip()


def file_md5(path: Path) -> str:
    """What DVC 3 records for a file (`hash: md5`), computed by DVC's own hashing (dvc-data, installed with
    dvc) rather than a copy of the learner's train.py: the md5 a run recorded is held against DVC itself."""
    from dvc_data.hashfile.hash import file_md5 as dvc_md5  # here: only lab 4's data checks pay its import
    return dvc_md5(str(path))


def cache_object(repo: Path, md5: str) -> Path:
    """Where DVC 3 keeps the bytes of a file with that md5 in a repository's local cache."""
    return Path(repo) / ".dvc" / "cache" / "files" / "md5" / md5[:2] / md5[2:]


def recorded_md5(dvc_file: Path) -> str:
    """The md5 a single-output .dvc file records."""
    try:
        outs = (yaml.safe_load(Path(dvc_file).read_text()) or {}).get("outs") or []
    except (OSError, yaml.YAMLError) as exc:
        raise LabError(f"Cannot read {dvc_file} ({exc}). Recreate it with `dvc add` on the data file.") from None
    if len(outs) != 1 or not outs[0].get("md5"):
        raise LabError(f"{dvc_file} should record exactly one output with an md5; it has {outs!r}. "
                       f"Recreate it with `dvc add` on the data file.")
    return outs[0]["md5"]


def is_commit_hash(value: str | None) -> bool:
    return bool(value) and len(value) == 40 and set(value) <= HEX40


def is_md5(value: str | None) -> bool:
    return bool(value) and len(value) == 32 and set(value) <= HEX40
