"""The registry of labs: where each lives and which check module proves it."""

from __future__ import annotations

import importlib
import os
from dataclasses import dataclass
from pathlib import Path

from mlflow_labs.harness.errors import LabError


def repo_root() -> Path:
    """The checkout holding labs/ (env MLFLOW_LABS_ROOT overrides, for an installed package)."""
    env = os.environ.get("MLFLOW_LABS_ROOT")
    if env:
        return Path(env)
    here = Path(__file__).resolve()
    for parent in [Path.cwd(), *here.parents]:
        if (parent / "labs").is_dir() and (parent / "pyproject.toml").exists():
            return parent
    raise LabError("Cannot find the labs/ folder. Run from the mlflow-labs checkout or set MLFLOW_LABS_ROOT to it.")


@dataclass(frozen=True)
class Lab:
    name: str
    folder: str
    title: str

    @property
    def dir(self) -> Path:
        return repo_root() / "labs" / self.folder

    @property
    def readme(self) -> Path:
        return self.dir / "README.md"

    def checks(self):
        """The lab's check module (mlflow_labs.<name>.checks)."""
        return importlib.import_module(f"mlflow_labs.{self.name}.checks")

    def scenario(self):
        """The lab's scenario module (mlflow_labs.<name>.scenario): what `mlflow-labs run` does."""
        return importlib.import_module(f"mlflow_labs.{self.name}.scenario")


LABS: dict[str, Lab] = {
    lab.name: lab
    for lab in [
        Lab("lab1", "lab1-sqlite-local", "Local MLflow server on SQLite"),
        Lab("lab2", "lab2-kind-helm", "MLflow on kind with the community-charts Helm chart"),
        Lab("lab3", "lab3-postgres", "MLflow with a PostgreSQL backend"),
        Lab("lab4", "lab4-dvc-mlflow", "DVC + MLflow instrumentation and exact reproduction"),
        Lab("lab5", "lab5-compare-ui", "Comparing runs visually, proven in a real browser"),
        Lab("lab6", "lab6-production", "A production MLflow under load, faults and strangers"),
    ]
}


def get_lab(name: str) -> Lab:
    try:
        return LABS[name]
    except KeyError:
        known = ", ".join(f"{k} ({v.title})" for k, v in LABS.items())
        raise LabError(f"Unknown lab '{name}'. Known labs: {known}.") from None
