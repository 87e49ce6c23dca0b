"""How README helm commands become `helm template` commands (no helm needed): the flags kept, the dropped ones."""

from __future__ import annotations

import io
import shutil
import tarfile

import pytest

from mlflow_labs.errors import LabError, PrerequisiteMissing
from mlflow_labs.harness.net import free_port
from mlflow_labs.lab2 import chart as cv

pytestmark = pytest.mark.unit


def _readme(tmp_path):
    lab = tmp_path / "lab"
    lab.mkdir()
    readme = lab / "README.md"
    readme.write_text(
        "# t\n\n```bash\nhelm repo add a b\nhelm upgrade --install mlflow c/mlflow --version 1.11.5 \\\n"
        "  -f \"${LAB_DIR:-.}/values-x.yaml\" --values=gen.yaml --wait --timeout 10m \\\n"
        "  --namespace mlflow --set-string replicaCount=3\n```\n\n"
        "<!-- lab: run values=rejected -->\n```bash\n! helm install m c/mlflow --set backend.x=1,a.b=2 > log 2>&1\n"
        "grep x log\n```\n\n```python\n# helm install in python text is not a command\n```\n")
    return readme


def test_helm_commands_are_found_with_their_rendering_flags(tmp_path):
    readme = _readme(tmp_path)
    invs = cv.helm_invocations(readme)
    assert [(i.line, i.release, i.files, i.set_keys, i.expect_rejected) for i in invs] == [
        (3, "mlflow", ["${LAB_DIR:-.}/values-x.yaml", "gen.yaml"], ["replicaCount"], False),
        (11, "m", [], ["backend.x", "a.b"], True),
    ]
    # --version/--wait/--timeout talk to a repository or a cluster; the rest is passed to helm as written
    assert invs[0].flags == ["-f", "${LAB_DIR:-.}/values-x.yaml", "--values", "gen.yaml",
                             "--namespace", "mlflow", "--set-string", "replicaCount=3"]
    cmd = cv.template_command(invs[0], chart=["/charts/mlflow"])
    assert cmd == ["helm", "template", "mlflow", "/charts/mlflow", "-f", f"{readme.parent.resolve()}/values-x.yaml",
                   "--values", "gen.yaml", "--namespace", "mlflow", "--set-string", "replicaCount=3"]
    assert invs[1].where == "README.md:11"


def test_chart_source_errors_say_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(PrerequisiteMissing) as err:
        cv.chart_ref()
    assert "helm" in str(err.value) and "provision-k8s-tools" in err.value.fix


def test_a_chart_setting_that_is_not_a_chart_is_named(tmp_path, monkeypatch):
    fake_helm = tmp_path / "bin" / "helm"
    fake_helm.parent.mkdir()
    fake_helm.write_text("#!/bin/sh\nexit 0\n")
    fake_helm.chmod(0o755)
    monkeypatch.setenv("PATH", str(fake_helm.parent))
    (tmp_path / "not-a-chart").mkdir()
    monkeypatch.setenv(cv.CHART_ENV, str(tmp_path / "not-a-chart"))
    with pytest.raises(LabError, match=f"{cv.CHART_ENV}=.*neither a chart folder"):
        cv.chart_ref()
    # a copy that is not on this machine is the chart missing here: a skip with the fix, counted at the end
    monkeypatch.setenv(cv.CHART_ENV, str(tmp_path / "nowhere"))
    with pytest.raises(PrerequisiteMissing) as err:
        cv.chart_ref()
    assert str(err.value).startswith(cv.CHART_MISSING) and "does not exist" in str(err.value)
    assert "helm pull mlflow --repo" in err.value.fix


def test_a_helm_pull_without_network_says_so(tmp_path, monkeypatch):
    """No setting, an empty cache, and a repository helm cannot reach (a proxy on a closed port): the
    skip reason says the network failed, with helm's own words, and how to get the chart."""
    if not shutil.which("helm"):
        pytest.skip("helm is not on PATH (scripts/provision-k8s-tools installs it)")
    monkeypatch.delenv(cv.CHART_ENV, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    for proxy in ("HTTPS_PROXY", "https_proxy"):
        monkeypatch.setenv(proxy, f"http://127.0.0.1:{free_port()}")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    with pytest.raises(PrerequisiteMissing) as err:
        cv.chart_ref()
    msg = str(err.value)
    assert msg.startswith(cv.CHART_MISSING) and "could not reach https://community-charts.github.io" in msg, msg
    assert "connection refused" in msg, msg
    assert str(tmp_path / "cache" / "mlflow-labs" / "charts") in err.value.fix


def test_a_cached_chart_is_used_without_helm_pull(tmp_path, monkeypatch):
    fake_helm = tmp_path / "bin" / "helm"  # any helm call but the PATH check would fail the test
    fake_helm.parent.mkdir()
    fake_helm.write_text("#!/bin/sh\necho 'helm was called' >&2; exit 1\n")
    fake_helm.chmod(0o755)
    monkeypatch.setenv("PATH", str(fake_helm.parent))
    monkeypatch.delenv(cv.CHART_ENV, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    cached = tmp_path / "cache" / "mlflow-labs" / "charts" / f"mlflow-{cv.CHART_VERSION}.tgz"
    cached.parent.mkdir(parents=True)
    _packaged_chart(cached, cv.CHART_VERSION)
    assert cv.chart_ref() == [str(cached)]


def _chart_yaml(version: str, name: str = "mlflow") -> str:
    return f"apiVersion: v2\nname: {name}\ntype: application\nversion: {version}\nappVersion: 3.15.1\n"


def _packaged_chart(path, version: str, name: str = "mlflow"):
    """A .tgz laid out as `helm package` makes it: <name>/Chart.yaml at the top."""
    data = _chart_yaml(version, name).encode()
    with tarfile.open(path, "w:gz") as tar:
        info = tarfile.TarInfo(f"{name}/Chart.yaml")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    return path


@pytest.fixture
def helm_on_path(tmp_path, monkeypatch):
    fake_helm = tmp_path / "bin" / "helm"  # only the PATH check runs; any call would fail the test
    fake_helm.parent.mkdir()
    fake_helm.write_text("#!/bin/sh\necho 'helm was called' >&2; exit 1\n")
    fake_helm.chmod(0o755)
    monkeypatch.setenv("PATH", str(fake_helm.parent))


@pytest.mark.parametrize("version,name", [("1.11.4", "mlflow"), ("1.12.0", "mlflow"), (cv.CHART_VERSION, "mlflow-fork")])
@pytest.mark.parametrize("form", ["folder", "tgz"])
def test_a_chart_copy_of_another_version_is_refused_by_name(tmp_path, monkeypatch, helm_on_path, version, name, form):
    """MLFLOW_LABS_CHART must be the pinned chart: the READMEs document its keys and defaults."""
    if form == "folder":
        copy = tmp_path / "chart"
        copy.mkdir()
        (copy / "Chart.yaml").write_text(_chart_yaml(version, name))
    else:
        copy = _packaged_chart(tmp_path / f"{name}-{version}.tgz", version, name)
    monkeypatch.setenv(cv.CHART_ENV, str(copy))
    with pytest.raises(LabError) as err:
        cv.chart_ref()
    msg = str(err.value)
    assert f"{cv.CHART_ENV}={copy} holds chart {name!r} version {version!r}" in msg, msg
    assert f"community-charts/mlflow {cv.CHART_VERSION}" in msg and "helm pull mlflow --repo" in msg, msg


@pytest.mark.parametrize("form", ["folder", "tgz"])
def test_a_chart_copy_of_the_pinned_version_is_used(tmp_path, monkeypatch, helm_on_path, form):
    if form == "folder":
        copy = tmp_path / "chart"
        copy.mkdir()
        (copy / "Chart.yaml").write_text(_chart_yaml(cv.CHART_VERSION))
    else:
        copy = _packaged_chart(tmp_path / f"mlflow-{cv.CHART_VERSION}.tgz", cv.CHART_VERSION)
    monkeypatch.setenv(cv.CHART_ENV, str(copy))
    assert cv.chart_ref() == [str(copy.resolve())]


def test_a_cached_chart_of_another_version_is_refused(tmp_path, monkeypatch, helm_on_path):
    monkeypatch.delenv(cv.CHART_ENV, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    cached = tmp_path / "cache" / "mlflow-labs" / "charts" / f"mlflow-{cv.CHART_VERSION}.tgz"
    cached.parent.mkdir(parents=True)
    _packaged_chart(cached, "1.0.0")
    with pytest.raises(LabError, match="holds chart 'mlflow' version '1.0.0'"):
        cv.chart_ref()
