"""LabSpec: what the shared layers know of one lab, declared by the lab itself.

Each `labN/__init__.py` sets ``SPEC = LabSpec(...)``; the registry (labs.py) lists the specs, and the CLI,
the pytest plugin and doctor iterate them, never naming a lab. Code is named by dotted path
("package.module" or "package.module:attribute") and imported only when asked: listing the labs must
not import Docker, Kubernetes or browser clients (`mlflow-labs check lab1` stays light)."""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, Callable, Mapping

from mlflow_labs import settings


def load(dotted: str) -> Any:
    """"pkg.mod" -> the module; "pkg.mod:name" -> that attribute of it."""
    module, _, attr = dotted.partition(":")
    mod = importlib.import_module(module)
    return getattr(mod, attr) if attr else mod


@dataclass(frozen=True)
class ByHand:
    """What the learner replay (`run LAB --by-hand`) fills in: where the learner starts ("home", "repo" or
    "lab"), the placeholders, the unprivileged user to replay as (None: as is), which README (in the lab's folder)."""
    start: str
    placeholders: list
    user: str | None = None
    readme: str = "README.md"
    # (readme, progress) -> the replay's paste hook (what the learner pastes where the README reads it, with
    # a .close()), for a lab whose README has the learner copy something from a browser (lab 7's tokens)
    paste: Callable[..., Any] | None = None


@dataclass(frozen=True)
class LabSpec:
    name: str                        # "lab1": the CLI's and the report's name
    folder: str                      # its folder under labs/
    title: str
    checks_module: str               # run_checks(uri, **options) against any tracking server
    scenario_module: str             # its LabRun subclass and run()
    prereqs: str = ""                # "module:NAME" of its tuple of harness.prereqs.Prereq (doctor)
    infra: tuple[str, ...] = ("auto", "docker", "local")  # what `run --infra` means for it
    infra_help: str = "auto|docker|local"
    check_options: tuple[str, ...] = ()   # the optional `check` flags it takes: "repo", "after-restart"
    # what its checks need besides the server (harness/inputs.py Input: a role's credentials, the learner's
    # repository): `check` reads them from the environment/options, `grade` from the roster's columns for them
    inputs: tuple = ()
    # "module:function" (uri): proves an MLflow server answers before `check`/`grade` run the checks, for a lab
    # whose server rightly refuses the generic probe's anonymous search (lab 6's basic auth, lab 7's SSO)
    server_probe: str = ""
    commands: tuple[str, ...] = ()   # "module:register" functions adding its own subcommands to the CLI
    byhand: str = ""                 # "module:function" (route) -> ByHand: its learner replay
    byhand_route: str = ""           # "module:function" (--infra value) -> route of the replay
    pytest_plugins: tuple[str, ...] = ()  # modules the pytest plugin registers (hooks only this lab needs)
    # other labs' folders (under labs/) this lab runs, by a name of its own: lab 2 runs lab 3's Kubernetes README
    borrows: Mapping[str, str] = field(default_factory=dict)

    @property
    def dir(self) -> Path:
        return settings.repo_root() / "labs" / self.folder

    @property
    def readme(self) -> Path:
        return self.dir / "README.md"

    def borrowed(self, name: str) -> Path:
        return settings.repo_root() / "labs" / self.borrows[name]

    def checks(self) -> ModuleType:
        return load(self.checks_module)

    def scenario(self) -> ModuleType:
        return load(self.scenario_module)

    def prerequisites(self) -> tuple:
        return tuple(load(self.prereqs)) if self.prereqs else ()

    def run(self, *, progress=print, keep: bool = False, workdir: Path | None = None, infra: str | None = None):
        """What `mlflow-labs run <name>` does: the lab's LabRun, executed (a Report, never an exception)."""
        return self.scenario().run(progress=progress, keep=keep, workdir=workdir, infra=infra)

    def ensure_server(self, uri: str, client=None) -> None:
        """A one-paragraph LabError (`check` exits 2) unless ``uri`` is a live MLflow server this lab can check."""
        if self.server_probe:
            load(self.server_probe)(uri)
            return
        from mlflow_labs.harness.client import TrackingClient
        (client or TrackingClient(uri)).ensure_mlflow()

    def byhand_table(self, route: str | None = None) -> ByHand:
        from mlflow_labs.errors import LabError
        if not self.byhand:
            raise LabError(f"no learner replay (--by-hand) is defined for {self.name}")
        return load(self.byhand)(route)

    def route_for(self, infra: str | None) -> str | None:
        """The by-hand replay's route for a `--infra` value (None for a lab with one route)."""
        return load(self.byhand_route)(infra) if self.byhand_route else None
