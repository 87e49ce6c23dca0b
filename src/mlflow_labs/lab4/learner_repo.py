"""A learner's training repository as `grade` reads it: cloned, never written.

The roster's ``repo`` is a path or a git URL. The grader clones it into a folder of its own and fills the
clone's DVC cache, so the checks read commits and data without touching the learner's folder (a check
that wrote there, even a `dvc pull`, would change what the next check or the learner sees):

- from the learner's own DVC cache, when the repository is on this machine (a path or a file:// URL):
  DVC 3 keeps its cache in the same layout as a remote, so it is read as one, read-only;
- then from the repository's own default remote (`dvc push` of Steps 3 and 6), when it reaches one.

What neither holds, the model check reports as missing data, naming the learner's repository.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

from mlflow_labs.errors import LabError
from mlflow_labs.harness.tools import run_tool
from mlflow_labs.lab4.tools import dvc_executable, git_executable, tool_env


def local_path(source: str) -> Path | None:
    """The folder on this machine a source names (a path or file:// URL), or None (a remote URL)."""
    parts = urlsplit(source)
    if parts.scheme == "file":
        return Path(unquote(parts.path))
    if parts.scheme or "@" in source.split("/")[0]:
        return None
    return Path(source)


def clone_read_only(source: str, workdir: Path, timeout: float) -> Path:
    """The clone the checks read (``workdir``/repo); a LabError saying why when it cannot be cloned."""
    dest = Path(workdir) / "repo"
    env = tool_env()
    clone = run_tool([git_executable(), "clone", "--quiet", "--no-hardlinks", source, str(dest)], env=env,
                     timeout=timeout, check=False)
    if clone.returncode != 0:
        raise LabError(f"the repository {source} could not be cloned: "
                       f"{(clone.stderr.strip() or clone.stdout.strip())[-300:]}")
    own = local_path(source)
    cache = own / ".dvc" / "cache" if own else None
    if cache is not None and cache.is_dir():  # this clone's local config only: the learner's config is untouched
        run_tool([dvc_executable(), "remote", "add", "--local", "learner-cache", str(cache)], cwd=dest, env=env,
                 timeout=timeout, check=False)
        run_tool([dvc_executable(), "fetch", "--quiet", "--all-commits", "-r", "learner-cache"], cwd=dest, env=env,
                 timeout=timeout, check=False)
    # whatever the learner's own cache lacked, from the repository's default remote (none configured: no-op)
    run_tool([dvc_executable(), "fetch", "--quiet", "--all-commits"], cwd=dest, env=env, timeout=timeout, check=False)
    return dest
