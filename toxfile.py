"""tox's inline plugin (tox >= 4 loads toxfile.py beside tox.ini): the `mlflow-labs-venv` runner.

Why: a learner's `tox -e lab3` on a fresh clone, with any tox >= 4 and nothing else installed, must build
the project's ONE environment itself and run the lab. This runner does two things tox cannot be told in
tox.ini alone, with no plugin to install (so no self-provisioning into .tox/.tox either):

1. Before tox looks at the env, it runs scripts/_venv.sh: the same uv install scripts/test and
   scripts/run-lab use, into the same .venv. When nothing changed that is a checksum compare (milliseconds).
2. tox records an env's name, its base Python's details (tox's own virtualenv version among them) and
   what it installed in the directory's .tox-info.json, and deletes (recreates) the directory when they
   differ. Every env here shares .venv, and scripts/test's tox (in .venv) and a learner's own tox differ
   in version (and so in virtualenv version and record format): each switch would wipe .venv and reinstall
   everything. _venv.sh owns .venv (it never changes an existing
   env's interpreter; tox installs nothing), so once .venv exists only the env TYPE can make tox recreate it.

Only tox's public plugin API is used (tox.plugin.impl, the registered virtualenv runner, Info).
"""

from __future__ import annotations

import os
import subprocess
from contextlib import contextmanager
from pathlib import Path

from tox.plugin import impl
from tox.tox_env.api import ToxEnv
from tox.tox_env.errors import Fail
from tox.tox_env.info import Info
from tox.tox_env.python.virtual_env.runner import VirtualEnvRunner

VENV_SCRIPT = Path(__file__).resolve().parent / "scripts" / "_venv.sh"


class _SharedEnvInfo(Info):
    """.tox-info.json without what differs between users of the one .venv (env name, tox's Python details)."""

    @contextmanager
    def compare(self, value, section, sub_section=None):
        if section == ToxEnv.__name__ and isinstance(value, dict):
            value = {k: v for k, v in value.items() if k != "name"}
        with super().compare(value, section, sub_section) as (same, old):
            # the Python details and the (empty) install records: once created, .venv is _venv.sh's business.
            # Their format differs between tox versions too (4.11 -> 4.67: "install cache format changed").
            yield same or (section != ToxEnv.__name__ and old is not None), old


class SharedVenvRunner(VirtualEnvRunner):
    @staticmethod
    def id() -> str:
        return "mlflow-labs-venv"

    @property
    def cache(self) -> Info:
        return _SharedEnvInfo(self.env_dir)

    def _setup_env(self) -> None:
        # build or refresh .venv first, so tox finds the project's interpreter (tox.ini: base_python) and
        # everything installed; tox itself installs nothing (package = skip, no deps)
        env = {**os.environ, "MLFLOW_LABS_VENV": str(self.env_dir)}
        done = subprocess.run(["bash", "-c", 'source "$0"', str(VENV_SCRIPT)], env=env, stdin=subprocess.DEVNULL)
        if done.returncode:
            raise Fail(f"scripts/_venv.sh could not build {self.env_dir} (exit {done.returncode}; its output is above)")
        super()._setup_env()


@impl
def tox_register_tox_env(register) -> None:
    register.add_run_env(SharedVenvRunner)
