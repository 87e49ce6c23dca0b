"""chart_values without the real chart: loading sources, helm's --set typing and merge rules, README parsing."""

from __future__ import annotations

import json
import tarfile

import pytest
import yaml

from mlflow_labs.lab2 import chart as cv
from mlflow_labs.harness.errors import LabError, PrerequisiteMissing

pytestmark = pytest.mark.unit

# a tiny chart of our own, shaped like the mlflow chart where it matters (closed objects)
VALUES = {"replicaCount": 1, "backendStore": {"databaseConnectionCheck": False,
                                              "postgres": {"enabled": False, "host": "", "port": 5432}}}
SCHEMA = {
    "$schema": "http://json-schema.org/draft-07/schema#", "type": "object", "additionalProperties": False,
    "properties": {
        "replicaCount": {"type": "integer"},
        "backendStore": {"type": "object", "additionalProperties": False, "properties": {
            "databaseConnectionCheck": {"type": "boolean"},
            "postgres": {"type": "object", "additionalProperties": False, "properties": {
                "enabled": {"type": "boolean"}, "host": {"type": "string"}, "port": {"type": "integer"}}}}},
    },
}


def write_chart(folder):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "values.yaml").write_text(yaml.safe_dump(VALUES))
    (folder / "values.schema.json").write_text(json.dumps(SCHEMA))
    return folder


def test_load_from_folder_nested_folder_and_tgz(tmp_path):
    flat = cv.load_chart(write_chart(tmp_path / "flat"))
    assert flat.values == VALUES and flat.schema == SCHEMA
    nested = cv.load_chart(write_chart(tmp_path / "untarred" / "mlflow").parent)  # `helm pull --untar` layout
    assert nested.values == VALUES
    tgz = tmp_path / "mlflow-1.11.5.tgz"
    with tarfile.open(tgz, "w:gz") as tar:
        tar.add(write_chart(tmp_path / "pkg" / "mlflow"), arcname="mlflow")
    assert cv.load_chart(tgz).schema == SCHEMA


def test_env_setting_is_used(tmp_path, monkeypatch):
    monkeypatch.setenv(cv.CHART_ENV, str(write_chart(tmp_path / "c")))
    assert cv.load_chart().source == str(tmp_path / "c")


def test_bad_sources_say_what_to_do(tmp_path, monkeypatch):
    with pytest.raises(LabError, match="needs values.yaml and values.schema.json"):
        cv.load_chart(tmp_path)
    with pytest.raises(LabError, match=f"{cv.CHART_ENV}=.*neither a chart folder nor a .tgz"):
        cv.load_chart(tmp_path / "missing")
    monkeypatch.delenv(cv.CHART_ENV, raising=False)
    monkeypatch.setenv("PATH", "/nonexistent")  # no helm to pull with
    with pytest.raises(PrerequisiteMissing) as err:
        cv.load_chart()
    assert cv.CHART_ENV in err.value.fix and "helm pull community-charts/mlflow --version 1.11.5" in err.value.fix


def test_set_values_are_typed_like_helm():
    assert cv.parse_set("a.b=true,c=5432,d=null,e=mlflow,f=1.5,g=007") == [
        (["a", "b"], True), (["c"], 5432), (["d"], None), (["e"], "mlflow"), (["f"], "1.5"), (["g"], "007")]
    assert cv.parse_set("port=5432", string=True) == [(["port"], "5432")]
    assert cv.parse_set(r"a\.b=x\,y") == [(["a.b"], "x,y")]
    with pytest.raises(LabError, match="not key=value"):
        cv.parse_set("backendStore.postgres.host")


def test_merge_order_and_null_removal(tmp_path):
    chart = cv.load_chart(write_chart(tmp_path / "c"))
    values = cv.compute_values(chart, [{"backendStore": {"postgres": {"enabled": True, "host": "file"}}}],
                               cv.parse_set("backendStore.postgres.host=set,replicaCount=null"))
    assert values["backendStore"]["postgres"] == {"enabled": True, "host": "set", "port": 5432}
    assert "replicaCount" not in values
    assert cv.schema_errors(chart, values) == []


def test_schema_errors_name_the_path(tmp_path):
    chart = cv.load_chart(write_chart(tmp_path / "c"))
    values = cv.compute_values(chart, sets=cv.parse_set("backend.store.postgres.host=x,backendStore.postgres.port=abc"))
    assert cv.schema_errors(chart, values) == [
        "(root): Additional properties are not allowed ('backend' was unexpected)",
        "backendStore.postgres.port: 'abc' is not of type 'integer'",
    ]


def test_helm_commands_are_found_in_readme_blocks(tmp_path):
    lab = tmp_path / "lab"
    lab.mkdir()
    (lab / "values-x.yaml").write_text("replicaCount: 2\n")
    readme = lab / "README.md"
    readme.write_text(
        "# t\n\n```bash\nhelm repo add a b\nhelm upgrade --install mlflow c/mlflow --version 1.11.5 \\\n"
        "  -f \"${LAB_DIR:-.}/values-x.yaml\" --values=gen.yaml \\\n  --set-string replicaCount=3\n```\n\n"
        "<!-- lab: run values=rejected -->\n```bash\n! helm install m c/mlflow --set backend.x=1 > log 2>&1\n"
        "grep x log\n```\n\n```python\n# helm install in python text is not a command\n```\n")
    invs = cv.helm_invocations(readme)
    assert [(i.line, i.files, i.set_keys, i.expect_rejected) for i in invs] == [
        (3, ['${LAB_DIR:-.}/values-x.yaml', "gen.yaml"], ["replicaCount"], False),
        (11, [], ["backend.x"], True),
    ]
    assert invs[0].sets == [(["replicaCount"], "3")]
    assert cv.resolve_values_file(invs[0].files[0], readme) == (lab / "values-x.yaml").resolve()
    assert cv.resolve_values_file("gen.yaml", readme) is None
    chart = cv.load_chart(write_chart(tmp_path / "c"))
    verdict = cv.check_invocation(chart, invs[0])
    assert verdict.missing_files == ["gen.yaml"] and not verdict.accepted
