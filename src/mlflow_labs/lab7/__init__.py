"""Lab 7: single sign-on with a real OpenID Connect provider, the chart's `mlflow-oidc-auth` plugin, and a real browser."""

from mlflow_labs.harness.spec import LabSpec

SPEC = LabSpec(
    name="lab7", folder="lab7-sso", title="Single sign-on with a real OpenID Connect provider, in a real browser",
    checks_module=f"{__name__}.checks", server_probe=f"{__name__}.checks:ensure_server",
    scenario=f"{__name__}.scenario:Lab7Run",
    prereqs=("PYTHON", "MLFLOW", "CHROMIUM", f"{__name__}.prereqs:PYTHON_312", f"{__name__}.prereqs:NODE"),
    port=7607, screenshots=True, byhand=f"{__name__}.byhand:table",
)
