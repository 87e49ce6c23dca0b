"""Lab 4 helpers: real git and dvc (tools.py) and reproduction of a run from what it recorded (reproduce.py)."""

from mlflow_labs.harness.inputs import REPO, Input
from mlflow_labs.harness.spec import LabSpec

SPEC = LabSpec(
    name="lab4", folder="lab4-dvc-mlflow", title="DVC + MLflow instrumentation and exact reproduction",
    checks_module=f"{__name__}.checks", scenario=f"{__name__}.scenario:Lab4Run",
    prereqs=("PYTHON", "MLFLOW", "GIT", "GIT_IDENTITY", "DVC"), learner_starts="repo",
    check_options=("repo",), commands=(f"{__name__}.command:register",),
    # `check --repo PATH` reads the learner's own repository; `grade` clones the roster's `repo` (path or git URL)
    inputs=(Input("repo", REPO, what="the learner's training repository (Step 2)",
                  prepare=f"{__name__}.learner_repo:clone_read_only"),),
)
