"""The registry of labs: where each lives, which checks prove it, what `mlflow-labs run` runs.

A new lab: a `_labN()` loader below and one `Lab(...)` line in LABS."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Callable

from mlflow_labs import settings
from mlflow_labs.harness.errors import LabError


def repo_root() -> Path:
    """The checkout holding labs/ (MLFLOW_LABS_ROOT overrides, for an installed package)."""
    root = settings.current().root
    if root:
        return root
    here = Path(__file__).resolve()
    for parent in [Path.cwd(), *here.parents]:
        if (parent / "labs").is_dir() and (parent / "pyproject.toml").exists():
            return parent
    raise LabError("Cannot find the labs/ folder. Run from the mlflow-labs checkout or set MLFLOW_LABS_ROOT to it.")


@dataclass(frozen=True)
class Lab:
    """One lab: its folder under labs/, and ``load`` -> (checks module, scenario module).

    ``load`` imports the lab's package only when asked (`mlflow-labs check lab1` must not import
    Docker or Kubernetes clients, and the lab packages themselves import this registry).
    """

    name: str
    folder: str
    title: str
    load: Callable[[], tuple[ModuleType, ModuleType]]

    @property
    def dir(self) -> Path:
        return repo_root() / "labs" / self.folder

    @property
    def readme(self) -> Path:
        return self.dir / "README.md"

    def checks(self) -> ModuleType:
        """The lab's check module: ``run_checks(uri, **options)`` against any tracking server."""
        return self.load()[0]

    def scenario(self) -> ModuleType:
        """The lab's scenario module: its LabRun subclass and ``run()``."""
        return self.load()[1]

    def run(self, *, progress=print, keep: bool = False, workdir: Path | None = None, infra: str | None = None):
        """What `mlflow-labs run <name>` does: the lab's LabRun, executed (a Report, never an exception)."""
        return self.scenario().run(progress=progress, keep=keep, workdir=workdir, infra=infra)


def _lab1():
    from mlflow_labs.lab1 import checks, scenario
    return checks, scenario


def _lab2():
    from mlflow_labs.lab2 import checks, scenario
    return checks, scenario


def _lab3():
    from mlflow_labs.lab3 import checks, scenario
    return checks, scenario


def _lab4():
    from mlflow_labs.lab4 import checks, scenario
    return checks, scenario


def _lab5():
    from mlflow_labs.lab5 import checks, scenario
    return checks, scenario


def _lab6():
    from mlflow_labs.lab6 import checks, scenario
    return checks, scenario


def _lab7():
    from mlflow_labs.lab7 import checks, scenario
    return checks, scenario


LABS: dict[str, Lab] = {
    lab.name: lab
    for lab in [
        Lab("lab1", "lab1-sqlite-local", "Local MLflow server on SQLite", _lab1),
        Lab("lab2", "lab2-kind-helm", "MLflow on kind with the community-charts Helm chart", _lab2),
        Lab("lab3", "lab3-postgres", "MLflow with a PostgreSQL backend", _lab3),
        Lab("lab4", "lab4-dvc-mlflow", "DVC + MLflow instrumentation and exact reproduction", _lab4),
        Lab("lab5", "lab5-compare-ui", "Comparing runs visually, proven in a real browser", _lab5),
        Lab("lab6", "lab6-production", "A production MLflow under load, faults and strangers", _lab6),
        Lab("lab7", "lab7-sso", "Single sign-on with a real OpenID Connect provider, in a real browser", _lab7),
    ]
}


def get_lab(name: str) -> Lab:
    try:
        return LABS[name]
    except KeyError:
        known = ", ".join(f"{k} ({v.title})" for k, v in LABS.items())
        raise LabError(f"Unknown lab '{name}'. Known labs: {known}.") from None
