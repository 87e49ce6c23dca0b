"""Every lab in the registry is visible where a learner looks: a row in the README's lab table and at
least one entry in `mlflow-labs doctor` (so a new lab cannot be added silently)."""

from __future__ import annotations

import re

import pytest

from mlflow_labs.labs import LABS, repo_root
from mlflow_labs.doctor import PREREQS

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("lab", list(LABS))
def test_every_lab_has_a_row_in_the_readme_table(lab):
    readme = (repo_root() / "README.md").read_text()
    row = rf"^\| {lab.removeprefix('lab')} \| \[labs/{re.escape(LABS[lab].folder)}\]"
    assert re.search(row, readme, re.M), f"README.md's lab table has no row for {lab} ({LABS[lab].folder})"


@pytest.mark.parametrize("lab", list(LABS))
def test_every_lab_has_doctor_entries(lab):
    assert [p.name for p in PREREQS if lab in p.labs], f"mlflow-labs doctor lists nothing for {lab}"
