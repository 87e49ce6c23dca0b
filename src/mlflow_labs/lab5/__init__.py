"""Lab 5: comparing runs visually, proven in a real browser."""

from mlflow_labs.harness.inputs import BROWSER, Input
from mlflow_labs.harness.spec import LabSpec

SPEC = LabSpec(
    name="lab5", folder="lab5-compare-ui", title="Comparing runs visually, proven in a real browser",
    checks_module=f"{__name__}.checks", scenario=f"{__name__}.scenario:run",   # its run also writes a page
    prereqs=("PYTHON", "MLFLOW", "GIT", "CHROMIUM"), screenshots=True,
    inputs=(Input("browser", BROWSER, what="a headless Chromium per learner"),),  # grade: one per core at once
)
