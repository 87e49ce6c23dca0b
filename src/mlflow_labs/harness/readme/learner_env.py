"""The learner's environment for the replay: a clean shell environment, the unprivileged user to
replay as when this is root, and the course venv that user can execute."""

from __future__ import annotations

import hashlib
import os
import pwd
import shutil
from pathlib import Path

from mlflow_labs import settings
from mlflow_labs.errors import LabError, tail
from mlflow_labs.harness.tools import run_tool

SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def learner_env(home: Path, venv_bin: Path, user: pwd.struct_passwd | None) -> dict:
    """A fresh login's environment: HOME, PATH = the course venv + the system's, nothing of the harness
    (no MLFLOW_LABS_* or MLFLOW_*), no git/pip/docker config; telemetry off (DO_NOT_TRACK); pip's and npm's
    download caches shared between replays (`download_caches`)."""
    env = {"HOME": str(home), "PATH": f"{venv_bin}{os.pathsep}{SYSTEM_PATH}",
           "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "TERM": "dumb", "SHELL": "/bin/bash",
           "VIRTUAL_ENV": str(venv_bin.parent), "GIT_CONFIG_NOSYSTEM": "1", "TMPDIR": "/tmp"}
    name = user.pw_name if user else pwd.getpwuid(os.geteuid()).pw_name
    env["USER"] = env["LOGNAME"] = name
    # MLflow's telemetry thread, with no network to report to (this machine), unsets a variable of its own
    # while the learner's client copies os.environ: KeyError '_MLFLOW_TELEMETRY_SESSION_ID' in
    # `python train.py`, once in a CI run. DO_NOT_TRACK, the cross-tool opt-out a learner may set too,
    # keeps that thread from starting; it is not MLFLOW_* and tells MLflow nothing a README must.
    env["DO_NOT_TRACK"] = "true"
    if os.environ.get("DOCKER_HOST"):  # where the daemon is, not a config: a learner's shell has it too
        env["DOCKER_HOST"] = os.environ["DOCKER_HOST"]
    env.update(download_caches())
    return env


DOWNLOAD_CACHES = "pip's and npm's download caches are shared by the replays of this machine (what they download, not what they install)"


def download_caches() -> dict:
    """pip's and npm's download caches, one per machine for every replay: a replay typing `pip install` or
    `npm ci` (labs 1 and 7) fetches each wheel and package once, not once per fresh HOME. A cache changes no
    install (pip and npm check what they take from it), as the second install on a learner's machine has one;
    the folders are open to the unprivileged learner too (sticky, like /tmp)."""
    root = Path(os.environ.get("TMPDIR") or "/tmp") / "mlflow-labs-learner-downloads"
    out = {}
    for var, name in (("PIP_CACHE_DIR", "pip"), ("npm_config_cache", "npm")):
        folder = root / name
        try:
            folder.mkdir(parents=True, exist_ok=True)
            for d in (root, folder):
                if d.stat().st_uid == os.geteuid():
                    d.chmod(0o1777)
        except OSError:  # no shared cache: each replay downloads its own, as before
            continue
        out[var] = str(folder)
    return out


def as_user(argv: list[str], user: pwd.struct_passwd | None) -> list[str]:
    """``argv`` run as ``user`` (no supplementary groups), or as is when there is none."""
    if not user:
        return argv
    return ["setpriv", f"--reuid={user.pw_uid}", f"--regid={user.pw_gid}", "--clear-groups", *argv]


def unprivileged() -> str | None:
    """The user to replay as when this is root and the README's server refuses root (PostgreSQL)."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    raise LabError("running as root, and no unprivileged 'postgres' or 'nobody' user exists to replay the local "
                   "route as (PostgreSQL refuses root). Fix: useradd --system postgres")


def find_uv() -> str | None:
    """uv on PATH, else the one scripts/_venv.sh pip-installed into its bootstrap venv (not on PATH)."""
    found = shutil.which("uv")
    if found:
        return found
    boot = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "mlflow-labs" / "uv-bootstrap" / "bin" / "uv"
    return str(boot) if boot.is_file() and os.access(boot, os.X_OK) else None


def install_key(root: Path) -> str:
    """What the learner's venv holds, as a hash: the project's pins (pyproject.toml) and its code (src/). The
    same commit in another clone is the same venv: a fresh clone on the same machine builds none."""
    h = hashlib.sha1((root / "pyproject.toml").read_bytes())
    for path in sorted((root / "src").rglob("*")):
        # not what a build writes beside the code (bytecode, the egg-info of the install that made the venv)
        if path.is_file() and not any(p == "__pycache__" or p.endswith(".egg-info") for p in path.parts):
            h.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return h.hexdigest()[:12]


def learner_venv(progress=print) -> Path:
    """The course venv as an unprivileged learner would have it: a venv the user can execute.

    The harness's own venv may sit on an interpreter under /root (pyenv), which another user cannot run;
    this one is made from the system's Python with the project installed (not editable: the venv is keyed by
    what it installs, `install_key`, not by the checkout), by uv from its cache where uv can be had (seconds;
    pip took minutes)."""
    root = settings.repo_root()
    python = next((p for p in ("/usr/bin/python3", "/usr/local/bin/python3") if Path(p).exists()), None)
    if not python:
        raise LabError("replaying as an unprivileged learner needs a system Python (/usr/bin/python3) to build the "
                       "learner's venv from. Fix: apt-get install python3 python3-venv")
    venv = Path("/tmp") / f"mlflow-labs-learner-venv-{install_key(root)}"
    ready = venv / ".ready"
    if ready.exists():
        ready.touch()  # in use: not pruned
        return venv / "bin"
    progress(f"building the unprivileged learner's venv at {venv} (once per install key)")
    shutil.rmtree(venv, ignore_errors=True)  # a half-built one; built in place: scripts' shebangs name this path
    uv = find_uv()
    env = {**os.environ, "SSL_CERT_FILE": os.environ.get("SSL_CERT_FILE", "/etc/ssl/certs/ca-certificates.crt")}
    if uv:
        cmds = [[uv, "venv", "-q", "-p", python, str(venv)],
                [uv, "pip", "install", "-q", "--compile-bytecode", "--python", str(venv / "bin" / "python"), str(root)]]
    else:
        cmds = [[python, "-m", "venv", str(venv)], [str(venv / "bin" / "pip"), "install", "-q", str(root)]]
    for cmd in cmds:
        p = run_tool(cmd, timeout=1800, env=env, check=False)  # a hang is one ToolError paragraph
        if p.returncode:
            shutil.rmtree(venv, ignore_errors=True)
            raise LabError(f"building the learner's venv failed: {' '.join(cmd)}\n{tail(p.stdout + p.stderr)}")
    venv.chmod(0o755)
    ready.write_text("built for the learner replay\n")
    prune_unused(venv)
    return venv / "bin"


UNUSED_DAYS = 2


def prune_unused(keep: Path) -> None:
    """Every commit that changes src/ is another key, another venv of about 1 GB: the others not used for
    UNUSED_DAYS go (a replay touches its venv's `.ready` each time it uses it)."""
    import time

    for other in keep.parent.glob("mlflow-labs-learner-venv-*"):
        ready = other / ".ready"
        try:
            unused = time.time() - ready.stat().st_mtime > UNUSED_DAYS * 86400
        except OSError:  # half-built, or being built right now by another replay: not ours to remove
            continue
        if other != keep and unused:
            shutil.rmtree(other, ignore_errors=True)


if __name__ == "__main__":  # scripts/provision-learner-venv
    who = unprivileged()
    if who is None:
        print("not root: the learner replays run in the project's own venv (nothing to build)")
    else:
        print(f"the learner replays' venv (they run as {who}): {learner_venv().parent}")
