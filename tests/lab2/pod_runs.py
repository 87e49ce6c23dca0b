"""A pods run as lab 2's tests read it: run once per module to its end (its table shown), then its report's
rows by where they came from, the manifest changes it reported, and what it left behind."""

from __future__ import annotations

import pytest


def executed(run, progress, *, write: bool = True) -> tuple:
    """(run, its report) once ``run`` has gone to its end; the report shown, and written unless not ``write``."""
    report = run.execute()
    progress("\n" + report.table())
    if write:
        progress(f"written: {report.write_json()}")
    return run, report


def rows(report, where: str) -> dict:
    """step -> row, for the report's rows from ``where`` (a README line, a checks module, a tool)."""
    return {r.step: r for r in report.rows if r.where == where}


def assert_reported(report, *changes: str) -> None:
    """Every one of ``changes`` is among the substitutions the run reported (what it changed in the manifest)."""
    subs = " | ".join(report.substitutions)
    for needle in changes:
        assert needle in subs, f"{needle!r} not among the reported substitutions: {subs}"


def assert_nothing_left(run, keep_infra: bool) -> None:
    """No pod, container or volume of the run is left (--keep-infra keeps them on purpose)."""
    if keep_infra:
        pytest.skip("--keep-infra keeps the pods")
    assert run.pods.leftovers() == []
