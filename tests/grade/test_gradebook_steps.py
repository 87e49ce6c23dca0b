"""The gradebook's "README step to revisit", for every lab: each check's hint names a step (Step N, Steps
N-M) that the lab's README has as a heading, and the gradebook shows where that heading is. A hint naming
a step the README does not have (a renumbered README) fails here, naming the lab and the check."""

from __future__ import annotations

import pytest

from mlflow_labs.grade.runner import hints
from mlflow_labs.grade.steps import HINT, Steps
from mlflow_labs.labs import LABS

pytestmark = pytest.mark.grade


@pytest.mark.parametrize("lab", sorted(LABS))
def test_every_check_names_a_step_its_readme_has(lab):
    spec = LABS[lab]
    steps = Steps.of(spec)
    assert steps.found, f"{spec.readme} has no numbered step headings"
    for check, hint in hints(spec).items():
        assert HINT.match(hint), f"{lab}: the hint of {check!r} does not open with the step: {hint!r}"
        where = steps.where(hint)
        assert where.startswith(f"labs/{spec.folder}/README.md:"), f"{lab}: {check!r} -> {hint!r}: no such step"
        line = int(where.split(":")[1].split()[0])
        heading = spec.readme.read_text().splitlines()[line - 1]
        assert heading.startswith("#") and HINT.match(hint).group(1) in heading, (lab, check, heading)


def test_a_step_the_readme_lacks_is_not_invented():
    steps = Steps.of(LABS["lab1"])
    assert steps.where("Step 99: nothing there") == ""
    assert steps.where("no step named") == ""
    assert steps.where("Steps 3 and 6: both") == steps.where("Step 3: one")
