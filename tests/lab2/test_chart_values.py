"""The Helm values the Kubernetes labs document, validated against the real chart schema (no cluster).

Runs wherever a copy of community-charts/mlflow 1.11.5 is available: MLFLOW_LABS_CHART (a chart
folder or .tgz; CI points it at ../shared/charts/community-charts-mlflow-1.11.5), else `helm pull`.
Proves ERRATA 2 (the notes' keys are rejected), 3 (the DB-check init container is opt-in) and 4
(the basic install's backend is SQLite at :memory:) from the chart's own values and schema.
"""

from __future__ import annotations

import stat

import pytest
import yaml

from mlflow_labs.lab2 import chart as cv
from mlflow_labs.harness.docs import ReadmeRunner
from mlflow_labs.harness.errors import PrerequisiteMissing
from mlflow_labs.labs import get_lab, repo_root

pytestmark = pytest.mark.lab2

LAB2 = get_lab("lab2").readme
LAB3_K8S = get_lab("lab3").dir / "kubernetes" / "README.md"
READMES = [LAB2, LAB3_K8S]
# what the course notes' production install passes (course-notes.md, "Deploy MLflow Server")
NOTES_SETS = ["backend.store.postgres.host=<RDS_ENDPOINT>", "backend.store.postgres.user=mlflow_user",
              "backend.store.postgres.password=mlflow_password", "backend.store.postgres.db=mlflow"]
DOCUMENTED_KEYS = ["backendStore.postgres.enabled", "backendStore.postgres.host", "backendStore.postgres.port",
                   "backendStore.postgres.database", "backendStore.postgres.user", "backendStore.postgres.password",
                   "backendStore.databaseConnectionCheck"]
# a file a README block writes at run time; test_password_block_writes_valid_values runs that block
GENERATED = {"db-password-values.yaml": {"backendStore": {"postgres": {"password": "from-step-3"}}}}


@pytest.fixture(scope="module")
def chart() -> cv.Chart:
    try:
        return cv.load_chart()
    except PrerequisiteMissing as exc:
        pytest.skip(str(exc))


def invocations():
    out = []
    for readme in READMES:
        out += cv.helm_invocations(readme)
    return out


def _id(inv: cv.HelmInvocation) -> str:
    return f"{inv.readme.relative_to(repo_root())}:{inv.line}"


def _sets(exprs: list[str]):
    return [pair for e in exprs for pair in cv.parse_set(e)]


def test_readmes_install_the_chart():
    """Guard for the tests below: they are vacuous if the READMEs stopped calling helm install."""
    invs = invocations()
    assert any(i.readme == LAB2 and not i.expect_rejected for i in invs), "Lab 2 README has no helm install"
    assert any(i.readme == LAB3_K8S and not i.expect_rejected for i in invs), "Lab 3 k8s README has no helm install"
    assert any(i.expect_rejected for i in invs), "the notes' rejected command is no longer demonstrated"
    for inv in invs:
        if not inv.expect_rejected:
            assert "--version 1.11.5" in inv.command, f"{_id(inv)} installs an unpinned chart: {inv.command}"


def test_chart_defaults_pass_its_own_schema(chart):
    """The validator is sound: helm accepts a plain install, so must we."""
    assert cv.schema_errors(chart, chart.values) == []


@pytest.mark.parametrize("inv", [i for i in invocations() if not i.expect_rejected], ids=_id)
def test_documented_install_is_accepted_by_the_schema(chart, inv):
    verdict = cv.check_invocation(chart, inv, GENERATED)
    assert not verdict.missing_files, f"{_id(inv)}: values files not found: {verdict.missing_files}"
    assert verdict.errors == [], f"{_id(inv)}: helm would reject this: {verdict.errors}"


@pytest.mark.parametrize("inv", [i for i in invocations() if i.expect_rejected], ids=_id)
def test_readme_demonstration_of_the_notes_command_is_rejected(chart, inv):
    """ERRATA 2, from the README block itself (the block that runs `helm install --set backend.store...`)."""
    assert inv.set_keys and all(k.startswith("backend.store.postgres.") for k in inv.set_keys), inv.set_keys
    verdict = cv.check_invocation(chart, inv)
    assert any("'backend' was unexpected" in e for e in verdict.errors), verdict.errors


def test_errata2_notes_keys_rejected_documented_keys_accepted(chart):
    rejected = cv.schema_errors(chart, cv.compute_values(chart, sets=_sets(NOTES_SETS)))
    assert rejected == ["(root): Additional properties are not allowed ('backend' was unexpected)"]
    # even inside the right parent the notes' `db` is not a key (it is `database`)
    wrong_leaf = cv.schema_errors(chart, cv.compute_values(chart, sets=_sets(["backendStore.postgres.db=mlflow"])))
    assert wrong_leaf == ["backendStore.postgres: Additional properties are not allowed ('db' was unexpected)"]
    right = _sets(["backendStore.postgres.enabled=true", "backendStore.postgres.host=postgres",
                   "backendStore.postgres.port=5432", "backendStore.postgres.database=mlflow",
                   "backendStore.postgres.user=mlflow_user", "backendStore.postgres.password=x",
                   "backendStore.databaseConnectionCheck=true"])
    assert cv.schema_errors(chart, cv.compute_values(chart, sets=right)) == []


def test_lab3_install_sets_every_documented_key(chart):
    inv = next(i for i in cv.helm_invocations(LAB3_K8S) if not i.expect_rejected)
    values = cv.check_invocation(chart, inv, GENERATED).values
    got = {k: cv.lookup(values, k) for k in DOCUMENTED_KEYS}
    assert got == {"backendStore.postgres.enabled": True, "backendStore.postgres.host": "postgres",
                   "backendStore.postgres.port": 5432, "backendStore.postgres.database": "mlflow",
                   "backendStore.postgres.user": "mlflow_user", "backendStore.postgres.password": "from-step-3",
                   "backendStore.databaseConnectionCheck": True}


def test_no_password_on_a_documented_command_line():
    """Only the demonstration of the notes' (rejected) command may carry a password in --set."""
    for inv in invocations():
        if inv.expect_rejected:
            continue
        assert not [k for k in inv.set_keys if "password" in k.lower()], f"{_id(inv)}: {inv.command}"


def test_errata3_db_check_init_container_is_opt_in(chart):
    prop = chart.schema["properties"]["backendStore"]["properties"]["databaseConnectionCheck"]
    assert chart.values["backendStore"]["databaseConnectionCheck"] is False
    assert prop["default"] is False and "init container" in prop["description"]
    # the notes' plain install (postgres or not) therefore has no DB-check container; the lab turns it on
    inv = next(i for i in cv.helm_invocations(LAB3_K8S) if not i.expect_rejected)
    assert cv.lookup(cv.check_invocation(chart, inv, GENERATED).values, "backendStore.databaseConnectionCheck") is True


def test_errata4_basic_install_backend_is_sqlite_in_memory(chart):
    basic = cv.compute_values(chart)  # `helm install mlflow community-charts/mlflow`, no values
    assert basic["backendStore"]["defaultSqlitePath"] == ":memory:"
    assert chart.schema["properties"]["backendStore"]["properties"]["defaultSqlitePath"]["default"] == ":memory:"
    external = [k for k in ("postgres", "mysql", "mssql") if basic["backendStore"].get(k, {}).get("enabled")]
    bundled = [k for k in ("postgresql", "mysql") if basic.get(k, {}).get("enabled")]
    assert external == [] and bundled == [], "the basic install would not use SQLite"


def test_lab2_values_keep_sqlite_inside_the_pod(chart):
    """Lab 2 must still lose its runs with the pod: SQLite in the pod's /tmp emptyDir, no database."""
    inv = next(i for i in cv.helm_invocations(LAB2) if not i.expect_rejected)
    values = cv.check_invocation(chart, inv).values
    assert values["backendStore"]["defaultSqlitePath"].startswith("/tmp/")
    assert not values["backendStore"]["postgres"]["enabled"] and not values["postgresql"]["enabled"]
    assert values["artifactRoot"]["proxiedArtifactStorage"] is True
    assert values["artifactRoot"]["defaultArtifactsDestination"].startswith("/tmp/")


@pytest.mark.parametrize("path", sorted([*LAB2.parent.glob("values*.yaml"), *LAB3_K8S.parent.glob("values*.yaml")]),
                         ids=lambda p: str(p.relative_to(repo_root())))
def test_every_values_file_in_the_labs_validates(chart, path):
    values = cv.compute_values(chart, [yaml.safe_load(path.read_text())], _sets(["backendStore.postgres.password=x"])
                               if "postgres" in path.name else [])
    assert cv.schema_errors(chart, values) == []


def test_a_wrong_key_in_a_values_file_is_named(chart, tmp_path):
    bad = {"backendStore": {"postgres": {"enabled": True, "hostname": "postgres"}}}
    errors = cv.schema_errors(chart, cv.compute_values(chart, [bad]))
    assert errors == ["backendStore.postgres: Additional properties are not allowed ('hostname' was unexpected)"]


def test_password_block_writes_valid_values(chart, tmp_path):
    """Run the Lab 3 k8s README's password step as written (it needs no cluster) and validate its output."""
    runner = ReadmeRunner(LAB3_K8S, tmp_path, display_root=repo_root())
    line = next(b.line for b in runner.blocks if "token_urlsafe" in b.text)
    runner.run(only_lines={line})
    values_file = runner.cwd / "db-password-values.yaml"
    password = (runner.cwd / "mlflow-db-password").read_text().strip()
    assert len(password) >= 24
    for f in (values_file, runner.cwd / "mlflow-db-password", runner.cwd / "postgres-admin-password"):
        assert stat.S_IMODE(f.stat().st_mode) == 0o600, f"{f.name} is readable by others"
    generated = yaml.safe_load(values_file.read_text())
    assert generated == {"backendStore": {"postgres": {"password": password}}}
    inv = next(i for i in cv.helm_invocations(LAB3_K8S) if not i.expect_rejected)
    verdict = cv.check_invocation(chart, inv, {"db-password-values.yaml": generated})
    assert verdict.errors == [] and cv.lookup(verdict.values, "backendStore.postgres.password") == password
