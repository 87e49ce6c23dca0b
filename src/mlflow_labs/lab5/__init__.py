"""Lab 5: comparing runs visually, proven in a real browser."""

from mlflow_labs.harness.inputs import BROWSER, Input
from mlflow_labs.harness.spec import LabSpec

SPEC = LabSpec(
    name="lab5", folder="lab5-compare-ui", title="Comparing runs visually, proven in a real browser",
    checks_module=f"{__name__}.checks", scenario_module=f"{__name__}.scenario",
    prereqs=f"{__name__}.prereqs:PREREQS", byhand=f"{__name__}.byhand:table",
    inputs=(Input("browser", BROWSER, what="a headless Chromium per learner"),),  # grade: one per core at once
)
