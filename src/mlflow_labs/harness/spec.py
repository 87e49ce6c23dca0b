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


PROBES = "mlflow_labs.infra.probes"  # the prerequisites several labs share, named in a spec (loaded when asked)


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
    # "module:Name": its LabRun subclass (`run` executes it), or a function (progress, keep, workdir, infra,
    # **extra) -> Report for a lab whose run is more than its LabRun (lab 2 picks kind or pods first)
    scenario: str
    # what doctor lists for it, in order: names of the prerequisites several labs share (infra/probes.py:
    # "PYTHON", "DOCKER", ...), "module:NAME" of one of its own, or a harness.prereqs.Prereq itself
    prereqs: tuple = ()
    port: int = settings.DOCUMENTED_PORT   # the port its README serves MLflow on (the harness substitutes a free one)
    learner_starts: str = "home"     # where its learner replay starts: "home", "repo" (the course) or "lab" (its folder)
    screenshots: bool = False        # its run takes ``shots=`` and the README shows them (`mlflow-labs images`)
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
    byhand: str = ""                 # "module:function" (route) -> ByHand: a replay table of its own (else the
                                     # spec's: learner_starts, and a free port for its port)
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

    def prerequisites(self) -> tuple:
        return tuple(p if not isinstance(p, str) else load(p if ":" in p else f"{PROBES}:{p}") for p in self.prereqs)

    def run(self, *, progress=print, keep: bool = False, workdir: Path | None = None, infra: str | None = None,
            **extra):
        """What `mlflow-labs run <name>` does: the lab's LabRun, executed (a Report, never an exception).
        ``extra``: what only its run takes (``shots=`` for a lab with screenshots)."""
        target = load(self.scenario)
        kw = dict(progress=progress, keep=keep, workdir=workdir, infra=infra, **extra)
        return target(**kw).execute() if isinstance(target, type) else target(**kw)

    def ensure_server(self, uri: str, client=None) -> None:
        """A one-paragraph LabError (`check` exits 2) unless ``uri`` is a live MLflow server this lab can check."""
        if self.server_probe:
            load(self.server_probe)(uri)
            return
        from mlflow_labs.harness.client import TrackingClient
        (client or TrackingClient(uri)).ensure_mlflow()

    def byhand_table(self, route: str | None = None) -> ByHand:
        """Its learner replay's table: its own (``byhand``), else where its learner starts and its port."""
        if self.byhand:
            return load(self.byhand)(route)
        from mlflow_labs.harness.net import free_port
        from mlflow_labs.harness.readme.placeholders import host_port
        return ByHand(self.learner_starts, [host_port(self.port, free_port())])

    def route_for(self, infra: str | None) -> str | None:
        """The by-hand replay's route for a `--infra` value (None for a lab with one route)."""
        return load(self.byhand_route)(infra) if self.byhand_route else None
