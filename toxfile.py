"""tox inline plugin (tox loads toxfile.py beside tox.ini): the `shared-venv` runner.

Every env in tox.ini uses ONE directory, the scripts' .venv, so the project is installed once. tox
records an env's name in the directory's .tox-info.json and recreates (deletes) the directory when
another env name uses it; this runner leaves the name out of that record. It builds on tox-uv's runner
(uv installs) and falls back to tox's virtualenv runner where tox-uv is not installed.
"""

from __future__ import annotations

from tox.plugin import impl
from tox.tox_env.api import ToxEnv
from tox.tox_env.info import Info

try:
    from tox_uv._run import UvVenvRunner as _Runner
except ImportError:  # pip fallback: plain tox
    from tox.tox_env.python.virtual_env.runner import VirtualEnvRunner as _Runner


class _InfoWithoutEnvName(Info):
    def compare(self, value, section, sub_section=None):
        if section == ToxEnv.__name__ and isinstance(value, dict):
            value = {k: v for k, v in value.items() if k != "name"}
        return super().compare(value, section, sub_section)


class SharedVenvRunner(_Runner):
    @staticmethod
    def id() -> str:
        return "shared-venv"

    @property
    def cache(self) -> Info:
        return _InfoWithoutEnvName(self.env_dir)


@impl
def tox_register_tox_env(register) -> None:
    register.add_run_env(SharedVenvRunner)
