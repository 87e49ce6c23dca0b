"""Lab 7: single sign-on with a real OpenID Connect provider, the chart's `mlflow-oidc-auth` plugin, and a real browser."""

from mlflow_labs.harness.inputs import LOGIN, SECRET, Input
from mlflow_labs.harness.spec import LabSpec

# Who the checks act as (lab7/credentials.py reads them; `grade`'s roster columns writer_username,
# writer_token_var, writer_netrc, reader_..., session_var)
WRITER = Input("writer", LOGIN, ("LAB7_WRITER_USERNAME", "LAB7_WRITER_TOKEN"),
               "a user with EDIT on the experiment, and an access token issued to them (Steps 4-5)", secret="token")
READER = Input("reader", LOGIN, ("LAB7_READER_USERNAME", "LAB7_READER_TOKEN"),
               "a user with READ only on the experiment, and their access token (Step 6)", secret="token")
SESSION = Input("session", SECRET, ("LAB7_SESSION",),
                "a signed-in browser's `session` cookie for MLflow (Step 7; the check logs it out)")

SPEC = LabSpec(
    name="lab7", folder="lab7-sso", title="Single sign-on with a real OpenID Connect provider, in a real browser",
    checks_module=f"{__name__}.checks", server_probe=f"{__name__}.checks:ensure_server",
    scenario=f"{__name__}.scenario:Lab7Run",
    prereqs=("PYTHON", "MLFLOW", "CHROMIUM", f"{__name__}.prereqs:PYTHON_312", f"{__name__}.prereqs:NODE"),
    port=7607, screenshots=True, byhand=f"{__name__}.byhand:table",
    inputs=(WRITER, READER, SESSION),
)
