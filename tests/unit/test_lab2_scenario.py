"""The Lab 2 scenario interleaves checks between README blocks; its anchors must exist in both READMEs.

Without this, an edit to a README could break the kind end-to-end run, which only runs where kind works.
"""

from __future__ import annotations

import pytest

from mlflow_labs.harness.readme.runner import ReadmeRunner
from mlflow_labs.lab2 import scenario

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("part", list(scenario.labs()))
def test_scenario_finds_its_anchors_in_order(part, tmp_path):
    spec = scenario.labs()[part]
    docs = ReadmeRunner(spec.readme, tmp_path)
    create = scenario._line_of(docs, "kind create cluster")
    delete_pod = scenario._line_of(docs, "delete pod")
    delete_cluster = scenario._line_of(docs, "kind delete cluster")
    forwards = docs.background_lines()
    assert create < forwards[0] < delete_pod < forwards[1] < delete_cluster, (create, forwards, delete_pod)
    texts = {b.line: b.text for b in docs.blocks}
    assert spec.cluster_placeholder in texts[create] and spec.cluster_placeholder in texts[delete_cluster]
    assert all("7006" in texts[f] and "svc/mlflow" in texts[f] for f in forwards)
    assert any("run_id.txt" in b.text and b.directive.get("file") == "train.py" for b in docs.blocks)
    # every namespace-scoped kubectl call targets the lab's namespace
    if spec.namespace != "default":
        for b in docs.blocks:
            for ln in b.text.splitlines():
                if ln.strip().startswith("kubectl") and any(v in ln for v in (" get ", " wait ", " delete ", " logs ",
                                                                             " port-forward ", " apply ", " exec ")):
                    assert f"-n {spec.namespace}" in ln, f"{spec.readme.name}:{b.line}: {ln}"
