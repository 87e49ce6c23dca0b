"""On Kubernetes: the community chart's `oidcAuth` values (labs/lab7-sso/values-lab7.yaml), rendered by real
`helm template`, set exactly the variables the README's serve-mlflow.sh sets, to the same values (the
secrets from a Secret), and the README's table names exactly those variables.

The rendering tests prove the README's Step 9 table against the chart, not the learner's machine (a
laptop doing SSO needs neither helm nor the chart): they are harness proofs (`-m harness`, CI), and
where helm or the chart is missing they skip saying which and the fix (helm on PATH; the chart from
MLFLOW_LABS_CHART, the chart cache or `helm pull`, as lab 2's chart tests)."""

from __future__ import annotations

import re
import shlex

import pytest

from mlflow_labs.errors import PrerequisiteMissing
from mlflow_labs.harness.readme.parse import parse_blocks
from mlflow_labs.lab2 import chart as cv
from mlflow_labs.labs import get_lab

pytestmark = pytest.mark.lab7

LAB = get_lab("lab7")
FROM_SECRETS_FILE = {"OIDC_CLIENT_SECRET", "SECRET_KEY"}   # lab7-secrets.env locally, a Secret on Kubernetes
NOT_AUTH = {"MLFLOW_SERVER_ENABLE_JOB_EXECUTION"}          # the local server's own switch, not an oidcAuth value
# what the chart's oidcAuth block writes (templates/deployment.yaml), whatever the values
CHART_OIDC = re.compile(r"^(OIDC_|SESSION_COOKIE_|DEFAULT_MLFLOW_PERMISSION$|SECRET_KEY$)")


def lab_variables() -> dict[str, str]:
    """serve-mlflow.sh's exports (from the README block that writes it), plus the secrets it sources."""
    block = next(b for b in parse_blocks(LAB.readme.read_text()) if b.directive.get("file") == "serve-mlflow.sh")
    out = {name: "<from lab7-secrets.env>" for name in FROM_SECRETS_FILE}
    for line in block.text.splitlines():
        if line.startswith("export "):
            for word in shlex.split(line[len("export "):]):
                name, _, value = word.partition("=")
                out[name] = value
    return {k: v for k, v in out.items() if k not in NOT_AUTH}


@pytest.fixture(scope="module")
def chart():
    """helm and the pinned chart, or a skip naming what is missing and the fix."""
    try:
        return cv.chart_ref()
    except PrerequisiteMissing as exc:
        pytest.skip(f"Step 9's chart table is proven with real `helm template`: {exc.what} Fix: {exc.fix}")


@pytest.fixture(scope="module")
def rendered(chart):
    r = cv.render_values([LAB.dir / "values-lab7.yaml"], where="labs/lab7-sso/values-lab7.yaml")
    return r.pod_spec()["containers"][0]


@pytest.mark.harness  # proves the README's table against the chart, not the learner's machine
def test_the_chart_sets_exactly_the_labs_variables_to_the_same_values(rendered):
    chart = {e["name"]: e for e in rendered["env"] if CHART_OIDC.match(e["name"])}
    lab = lab_variables()
    assert set(chart) == set(lab), f"only in the chart: {sorted(set(chart) - set(lab))}; only in the lab: {sorted(set(lab) - set(chart))}"
    for name, value in lab.items():
        if name in FROM_SECRETS_FILE:
            assert "secretKeyRef" in chart[name].get("valueFrom", {}), f"{name} is not read from a Secret: {chart[name]}"
        else:
            assert chart[name].get("value") == value, f"{name}: chart {chart[name].get('value')!r}, lab {value!r}"


@pytest.mark.harness  # proves the README's table against the chart, not the learner's machine
def test_the_chart_runs_the_plugin_app(rendered):
    assert "--app-name=oidc-auth" in rendered["args"] + rendered.get("command", [])


def test_the_readme_table_names_exactly_those_variables():
    text = LAB.readme.read_text()
    table = text[text.index("## 9. On Kubernetes"):text.index("## What the harness proves")]
    rows = set(re.findall(r"^\| `([A-Z_]+)` \|", table, re.M))
    assert rows == set(lab_variables()), f"table {sorted(rows ^ set(lab_variables()))} differ"


@pytest.mark.harness  # proves ERRATA 10 against the chart, not the learner's machine
def test_chart_defaults_give_every_member_manage_and_ask_for_no_groups(chart):
    """ERRATA 10: `oidcAuth.enabled=true` and the IdP's address alone (what "integrate SSO" suggests)."""
    r = cv.render_values(sets=["oidcAuth.enabled=true", "oidcAuth.discoveryUrl=https://idp.example/.well-known/openid-configuration",
                               "oidcAuth.clientId=mlflow", "oidcAuth.clientSecret=x"], where="(oidcAuth defaults)")
    env = {e["name"]: e.get("value") for e in r.pod_spec()["containers"][0]["env"]}
    assert env["DEFAULT_MLFLOW_PERMISSION"] == "MANAGE"
    assert "groups" not in env["OIDC_SCOPE"].replace(",", " ").split()
    assert env["OIDC_GROUP_NAME"] == "mlflow" and env["SESSION_COOKIE_SECURE"] == "true"
