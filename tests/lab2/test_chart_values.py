"""Every Helm command the Kubernetes lab READMEs document, rendered by real `helm template` with exactly its flags.

No cluster: Helm validates the values against the chart's schema and renders the manifests. Needs
helm and the chart (MLFLOW_LABS_CHART; CI points it at ../shared/charts/community-charts-mlflow-1.11.5).
Proves ERRATA 2 (Helm itself rejects the notes' keys), 3 (the DB-check init container exists only
with databaseConnectionCheck=true and is a TCP check) and 4 (the basic install's backend is SQLite
at :memory:, in a read-only container whose only writable place is the /tmp emptyDir).
"""

from __future__ import annotations

import base64
import stat

import pytest
import yaml

from mlflow_labs import settings
from mlflow_labs.harness.readme.runner import ReadmeRunner
from mlflow_labs.errors import PrerequisiteMissing
from mlflow_labs.lab2 import chart as cv
from mlflow_labs.labs import get_lab, repo_root

pytestmark = pytest.mark.lab2

LAB2 = get_lab("lab2").readme
LAB3_K8S = get_lab("lab3").dir / "kubernetes" / "README.md"
READMES = [LAB2, LAB3_K8S]
# what the course notes' production install passes (course-notes.md, "Deploy MLflow Server")
NOTES_SETS = ["backend.store.postgres.host=<RDS_ENDPOINT>", "backend.store.postgres.user=mlflow_user",
              "backend.store.postgres.password=mlflow_password", "backend.store.postgres.db=mlflow"]


@pytest.fixture(scope="module")
def chart():
    try:
        return cv.chart_ref()
    except PrerequisiteMissing as exc:
        pytest.skip(str(exc))


@pytest.fixture(scope="module")
def password_dir(tmp_path_factory):
    """Run the Lab 3 k8s README's password step as written (needs no cluster): its values file, for -f."""
    work = tmp_path_factory.mktemp("lab3-k8s-passwords")
    runner = ReadmeRunner(LAB3_K8S, work, display_root=repo_root())
    runner.run(only_lines={next(b.line for b in runner.blocks if "token_urlsafe" in b.text)})
    return runner.cwd


def invocations():
    return [inv for readme in READMES for inv in cv.helm_invocations(readme)]


def _id(inv: cv.HelmInvocation) -> str:
    return f"{inv.readme.relative_to(repo_root())}:{inv.line}"


def _installed(readme):
    return next(i for i in cv.helm_invocations(readme) if not i.expect_rejected)


def _container(pod_spec, name, init=False):
    return next(c for c in pod_spec.get("initContainers" if init else "containers", []) if c["name"] == name)


def test_readmes_install_the_chart():
    """Guard for the tests below: they are vacuous if the READMEs stopped calling helm install."""
    invs = invocations()
    assert any(i.readme == LAB2 and not i.expect_rejected for i in invs), "Lab 2 README has no helm install"
    assert any(i.readme == LAB3_K8S and not i.expect_rejected for i in invs), "Lab 3 k8s README has no helm install"
    assert any(i.expect_rejected for i in invs), "the notes' rejected command is no longer demonstrated"
    for inv in invs:
        if not inv.expect_rejected and "template" not in inv.command.split()[:2]:
            assert "--version 1.11.5" in inv.command, f"{_id(inv)} installs an unpinned chart: {inv.command}"


@pytest.mark.parametrize("inv", [i for i in invocations() if not i.expect_rejected], ids=_id)
def test_documented_install_renders(chart, password_dir, inv):
    rendered = cv.render(inv, cwd=password_dir if "db-password-values.yaml" in inv.files else None, chart=chart)
    kinds = sorted(d["kind"] for d in rendered.docs)
    # lab 3 adds the dbchecker script's ConfigMap
    extra = ["ConfigMap"] if inv.readme == LAB3_K8S else []
    assert kinds == sorted(["ConfigMap", "Deployment", "Secret", "Secret", "Service", "ServiceAccount", *extra]), kinds


def test_the_chart_runs_the_image_settings_names(chart):
    """settings.CHART_APP_VERSION (the one place the chart's appVersion is written) is what this chart deploys:
    the README's install renders MLflow's container with settings.DOCUMENTED_MLFLOW_IMAGE, the image lab 3
    documents and the pods path maps to the offline build."""
    image = _container(cv.render(_installed(LAB2), chart=chart).pod_spec(), "mlflow")["image"]
    assert image == settings.DOCUMENTED_MLFLOW_IMAGE, f"the chart runs {image}; settings.CHART_APP_VERSION is wrong"


@pytest.mark.parametrize("inv", [i for i in invocations() if i.expect_rejected], ids=_id)
def test_readme_demonstration_of_the_notes_command_is_rejected_by_helm(chart, inv):
    """ERRATA 2, from the README block itself (the block that runs `helm install --set backend.store...`)."""
    assert inv.set_keys and all(k.startswith("backend.store.postgres.") for k in inv.set_keys), inv.set_keys
    with pytest.raises(cv.RenderError) as err:
        cv.render(inv, chart=chart)
    assert "Additional property backend is not allowed" in err.value.helm_message
    assert str(err.value).startswith(f"{inv.readme.name}:{inv.line}: ")


def test_errata2_notes_keys_rejected_documented_keys_accepted(chart):
    with pytest.raises(cv.RenderError, match=r"\(root\): Additional property backend is not allowed"):
        cv.render_values(sets=NOTES_SETS)
    # even inside the right parent the notes' `db` is not a key (it is `database`)
    with pytest.raises(cv.RenderError, match=r"backendStore.postgres: Additional property db is not allowed"):
        cv.render_values(sets=["backendStore.postgres.db=mlflow"])
    right = cv.render_values(sets=["backendStore.postgres.enabled=true", "backendStore.postgres.host=postgres",
                                   "backendStore.postgres.port=5432", "backendStore.postgres.database=mlflow",
                                   "backendStore.postgres.user=mlflow_user", "backendStore.postgres.password=x"])
    args = _container(right.pod_spec(), "mlflow")["args"]
    assert any(a.startswith("--backend-store-uri=postgresql://") for a in args), args


def test_lab3_install_points_mlflow_at_postgres_with_the_password_from_a_secret(chart, password_dir):
    rendered = cv.render(_installed(LAB3_K8S), cwd=password_dir, chart=chart)
    mlflow = _container(rendered.pod_spec(), "mlflow")
    env_secret = rendered.one("Secret", "mlflow-env-secret")
    password = (password_dir / "mlflow-db-password").read_text().strip()
    assert base64.b64decode(env_secret["data"]["PGPASSWORD"]).decode() == password
    assert base64.b64decode(env_secret["data"]["PGUSER"]).decode() == "mlflow_user"
    assert password not in rendered.one("Deployment")["spec"].__repr__(), "the password is written into the pod spec"
    configmap = rendered.one("ConfigMap", "mlflow-env-configmap")["data"]
    assert (configmap["PGHOST"], str(configmap["PGPORT"]), configmap["PGDATABASE"]) == ("postgres", "5432", "mlflow")
    assert {"secretRef": {"name": "mlflow-env-secret"}} in mlflow["envFrom"]


def test_no_password_on_a_documented_command_line():
    """Only the demonstration of the notes' (rejected) command may carry a password in --set."""
    for inv in invocations():
        if inv.expect_rejected:
            continue
        assert not [k for k in inv.set_keys if "password" in k.lower()], f"{_id(inv)}: {inv.command}"


def test_errata3_db_check_init_container_is_opt_in_and_only_checks_the_port(chart, password_dir):
    inv = _installed(LAB3_K8S)
    on = cv.render(inv, cwd=password_dir, chart=chart)
    checker = _container(on.pod_spec(), "dbchecker", init=True)
    assert checker["command"] == ["/script/dbchecker.sh"]
    script = on.one("ConfigMap", "mlflow-dbchecker")["data"]["dbchecker.sh"]
    assert "nc -z" in script and "psql" not in script, "the check is a TCP connect, not a login"
    # the same install without the lab's opt-in: no init container at all (the chart's default)
    inv.flags += ["--set", "backendStore.databaseConnectionCheck=false"]
    off = cv.render(inv, cwd=password_dir, chart=chart)
    assert "initContainers" not in off.pod_spec() or not off.pod_spec()["initContainers"]
    assert not off.find("ConfigMap", "mlflow-dbchecker")


def test_errata4_basic_install_backend_is_sqlite_in_memory(chart):
    basic = cv.render_values()  # `helm install mlflow community-charts/mlflow`, no values
    mlflow = _container(basic.pod_spec(), "mlflow")
    assert "--backend-store-uri=sqlite:///:memory:" in mlflow["args"], mlflow["args"]
    assert mlflow["securityContext"]["readOnlyRootFilesystem"] is True
    assert {"name": "tmp", "mountPath": "/tmp"} in mlflow["volumeMounts"]
    assert {"name": "tmp", "emptyDir": {}} in basic.pod_spec()["volumes"]


def test_lab2_values_keep_sqlite_inside_the_pod(chart):
    """Lab 2 must still lose its runs with the pod: SQLite in the pod's /tmp emptyDir, artifacts proxied."""
    rendered = cv.render(_installed(LAB2), chart=chart)
    mlflow = _container(rendered.pod_spec(), "mlflow")
    assert "--backend-store-uri=sqlite:////tmp/mlflow.db" in mlflow["args"], mlflow["args"]
    assert "--serve-artifacts" in mlflow["args"] and "--artifacts-destination=/tmp/mlartifacts" in mlflow["args"]
    assert _volume_at(rendered.pod_spec(), "mlflow", "/tmp") == {"name": "tmp", "emptyDir": {}}
    assert "initContainers" not in rendered.pod_spec()


def _volume_at(spec: dict, container: str, path: str) -> dict:
    """The pod volume mounted at ``path`` in ``container`` (exactly one mount there, as Kubernetes requires)."""
    mounts = [m for m in _container(spec, container).get("volumeMounts", []) if m["mountPath"] == path]
    assert len(mounts) == 1, f"{container} mounts {len(mounts)} volumes at {path}: {mounts}"
    (vol,) = [v for v in spec.get("volumes", []) if v["name"] == mounts[0]["name"]]
    return vol


def test_the_sqlite_check_sees_a_claim_at_tmp(chart, tmp_path):
    """The check above can fail: lab 2's install plus a PersistentVolumeClaim (the chart's extraVolumes) mounted
    at /tmp is not SQLite in an emptyDir; mounted at /data, /tmp is still the emptyDir and /data the claim."""
    import dataclasses

    def with_claim_at(path: str) -> dict:
        values = tmp_path / "values-claim.yaml"
        values.write_text(yaml.safe_dump({
            "extraVolumes": [{"name": "data", "persistentVolumeClaim": {"claimName": "mlflow-data"}}],
            "extraVolumeMounts": [{"name": "data", "mountPath": path}]}))
        inv = _installed(LAB2)
        inv = dataclasses.replace(inv, flags=[*inv.flags, "-f", str(values)])
        return cv.render(inv, chart=chart).pod_spec()

    with pytest.raises(AssertionError, match="mounts 2 volumes at /tmp"):
        _volume_at(with_claim_at("/tmp"), "mlflow", "/tmp")
    spec = with_claim_at("/data")
    assert _volume_at(spec, "mlflow", "/tmp") == {"name": "tmp", "emptyDir": {}}
    assert _volume_at(spec, "mlflow", "/data")["persistentVolumeClaim"] == {"claimName": "mlflow-data"}


@pytest.mark.harness
def test_a_wrong_key_in_a_values_file_is_helms_message_with_readme_line(chart, tmp_path):
    lab = tmp_path / "lab"
    lab.mkdir()
    (lab / "values-bad.yaml").write_text(yaml.safe_dump({"backendStore": {"postgres": {"hostname": "postgres"}}}))
    readme = lab / "README.md"
    readme.write_text("# bad\n\n```bash\nhelm upgrade --install mlflow community-charts/mlflow --version 1.11.5 \\\n"
                      "  -f \"${LAB_DIR:-.}/values-bad.yaml\"\n```\n")
    inv = cv.helm_invocations(readme)[0]
    with pytest.raises(cv.RenderError) as err:
        cv.render(inv, chart=chart)
    assert str(err.value).startswith("README.md:3: Helm refuses this install:")
    assert "backendStore.postgres: Additional property hostname is not allowed" in str(err.value)


def test_password_block_writes_private_files(password_dir):
    values_file = password_dir / "db-password-values.yaml"
    password = (password_dir / "mlflow-db-password").read_text().strip()
    assert len(password) >= 24
    for f in (values_file, password_dir / "mlflow-db-password", password_dir / "postgres-admin-password"):
        assert stat.S_IMODE(f.stat().st_mode) == 0o600, f"{f.name} is readable by others"
    assert yaml.safe_load(values_file.read_text()) == {"backendStore": {"postgres": {"password": password}}}
