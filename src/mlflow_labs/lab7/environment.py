"""The two environments lab 7's servers run from, built the way scripts/_venv.sh builds .venv:

- the plugin server's Python: `mlflow-oidc-auth` 11.0.2 imports only on Python 3.12+ (a dataclass
  default that is hashable from 3.12 on), while the project stays on the machine's 3.11. So the
  plugin gets its OWN virtualenv (.venv-lab7), from a 3.12+ interpreter found on this machine;
- the identity provider's node_modules, from the lab folder's package-lock.json (`npm ci`).

`python -m mlflow_labs.lab7.environment` (scripts/provision-lab7) builds both; the lab run calls
`ensure()`, which does nothing when both are in place and match the pins.
"""

from __future__ import annotations

import glob
import os
import shutil
import sys
from pathlib import Path

from mlflow_labs import settings
from mlflow_labs.errors import PrerequisiteMissing
from mlflow_labs.harness.tools import ToolError, find_tool, run_tool

PINS = (f"mlflow=={settings.mlflow_pin()}", "mlflow-oidc-auth==11.0.2")   # MLflow: the course's pin (pyproject)
MIN_PYTHON = (3, 12)
PYTHON_FIX = ("install a Python 3.12 or newer beside the system one (e.g. `pyenv install 3.12`, or your "
              "distribution's python3.12 package) or point MLFLOW_LABS_SSO_PYTHON at one; the rest of the "
              "project keeps its own Python")
NODE_FIX = "install Node.js 20+ and npm (Debian: `sudo apt-get install nodejs npm`; `sudo scripts/provision-system` does it)"


def _version(exe: str) -> tuple[int, int] | None:
    try:
        p = run_tool([exe, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"], check=False, timeout=30)
    except (ToolError, OSError):
        return None
    try:
        major, minor = p.stdout.strip().split(".")
        return int(major), int(minor)
    except ValueError:  # a pyenv shim with no version selected prints an error, not a version
        return None


def candidates() -> list[str]:
    """Interpreters worth asking, most specific first: the setting, PATH, pyenv's versions, uv's."""
    out = []
    chosen = settings.current().sso_python
    if chosen:
        return [chosen]
    for name in ("python3.12", "python3.13", "python3.14", "python3"):
        found = shutil.which(name)
        if found:
            out.append(found)
    roots = [os.environ.get("PYENV_ROOT", ""), str(Path.home() / ".pyenv")]
    pyenv = find_tool("pyenv")
    if pyenv:
        try:
            roots.insert(0, run_tool([pyenv, "root"], check=False, timeout=20).stdout.strip())
        except (ToolError, OSError):
            pass
    for root in filter(None, roots):
        out += sorted(glob.glob(f"{root}/versions/3.1[2-9]*/bin/python3"))
    return list(dict.fromkeys(out))


def find_python() -> str | None:
    """A Python 3.12+ that runs, or None."""
    for exe in candidates():
        v = _version(exe)
        if v and v >= MIN_PYTHON:
            return exe
    return None


def python_version() -> str | None:
    """For doctor: 'Python 3.12 at PATH', or None."""
    exe = find_python()
    return f"Python {'.'.join(map(str, _version(exe)))} at {exe}" if exe else None


def venv_dir() -> Path:
    return settings.current().sso_venv or settings.repo_root() / ".venv-lab7"


def lab_dir() -> Path:
    from mlflow_labs.lab7 import SPEC
    return SPEC.dir


def _uv() -> str | None:
    boot = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "mlflow-labs/uv-bootstrap/bin/uv"
    return find_tool("uv") or (str(boot) if boot.is_file() else None)


def venv_ready(venv: Path | None = None) -> bool:
    venv = venv or venv_dir()
    stamp = venv / ".lab7-pins"
    return (venv / "bin" / "mlflow").is_file() and stamp.is_file() and stamp.read_text() == "\n".join(PINS)


def build_venv(progress=print) -> Path:
    venv = venv_dir()
    if venv_ready(venv):
        return venv
    py = find_python()
    if not py:
        raise PrerequisiteMissing("Lab 7's MLflow runs the mlflow-oidc-auth plugin, which needs Python 3.12 or newer, "
                                  "and none was found (looked on PATH, in pyenv's versions and MLFLOW_LABS_SSO_PYTHON).",
                                  PYTHON_FIX)
    uv = _uv()
    progress(f"lab 7: building {venv} ({', '.join(PINS)}) with {py} ({'uv' if uv else 'pip'})")
    env = {"SSL_CERT_FILE": os.environ.get("SSL_CERT_FILE", "/etc/ssl/certs/ca-certificates.crt")}
    if uv:
        run_tool([uv, "venv", "-q", "--python", py, str(venv)], env=env, timeout=300, what="uv venv for lab 7")
        run_tool([uv, "pip", "install", "-q", "--compile-bytecode", *PINS], env={**env, "VIRTUAL_ENV": str(venv)},
                 timeout=1800, what="installing lab 7's MLflow and mlflow-oidc-auth")
    else:
        run_tool([py, "-m", "venv", str(venv)], timeout=300, what="python -m venv for lab 7")
        run_tool([venv / "bin" / "python", "-m", "pip", "install", "-q", *PINS], timeout=1800,
                 what="installing lab 7's MLflow and mlflow-oidc-auth")
    (venv / ".lab7-pins").write_text("\n".join(PINS))
    return venv


def node_modules_ready() -> bool:
    lock, installed = lab_dir() / "package-lock.json", lab_dir() / "node_modules" / ".package-lock.json"
    return installed.is_file() and installed.stat().st_mtime >= lock.stat().st_mtime


def npm_ci(progress=print) -> Path:
    if not node_modules_ready():
        npm = find_tool("npm")
        if not (npm and find_tool("node")):
            raise PrerequisiteMissing("Lab 7's identity provider runs on Node.js, and node/npm were not found.", NODE_FIX)
        progress(f"lab 7: npm ci in {lab_dir()}")
        run_tool([npm, "ci", "--no-audit", "--no-fund"], cwd=lab_dir(), timeout=900, what="npm ci for lab 7's provider")
    return lab_dir() / "node_modules"


def ensure(progress=print) -> Path:
    """Both environments in place; returns the plugin's virtualenv."""
    npm_ci(progress)
    return build_venv(progress)


if __name__ == "__main__":
    print(ensure(progress=lambda m: print(m, file=sys.stderr)))
