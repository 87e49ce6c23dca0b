"""The registry of labs: one line per lab, its SPEC (a harness.spec.LabSpec the lab declares itself).

A new lab: its package `labN/` (with `SPEC` in `__init__.py`), its folder `labs/labN-*/`, and one line below.
Importing a lab package imports only its spec; its checks and scenario load when asked."""

from __future__ import annotations

from mlflow_labs import lab1, lab2, lab3, lab4, lab5, lab6, lab7
from mlflow_labs.errors import LabError
from mlflow_labs.harness.spec import LabSpec
from mlflow_labs.settings import repo_root  # noqa: F401 - the old home of repo_root; tests still import it here

LABS: dict[str, LabSpec] = {spec.name: spec for spec in (
    lab1.SPEC,
    lab2.SPEC,
    lab3.SPEC,
    lab4.SPEC,
    lab5.SPEC,
    lab6.SPEC,
    lab7.SPEC,
)}


def get_lab(name: str) -> LabSpec:
    try:
        return LABS[name]
    except KeyError:
        known = ", ".join(f"{k} ({v.title})" for k, v in LABS.items())
        raise LabError(f"Unknown lab '{name}'. Known labs: {known}.") from None
