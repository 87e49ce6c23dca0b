"""Lab 4 reproduction logic on run JSON as the REST API returns it: what is refused, what is compared."""

from __future__ import annotations

import json

import pytest

from mlflow_labs.lab4.reproduce import TOLERANCE, NotReproducible, Result, compare, recorded

pytestmark = pytest.mark.unit

COMMIT = "a" * 40
MD5 = "b" * 32
ARGS = ["--model", "random_forest", "--alpha", "0.01", "--seed", "42"]


def run_json(run_id="r1", metrics=None, params=None, **tag_overrides) -> dict:
    tags = {"git_commit": COMMIT, "mlflow.source.git.commit": COMMIT, "git_dirty": "false", "dvc_md5": MD5,
            "dvc_path": "data/wine.csv", "train_args": json.dumps(ARGS), **tag_overrides}
    tags = {k: v for k, v in tags.items() if v is not None}
    metrics = {"rmse": 0.08407565492579232, "r2": 0.9883742949066543, "accuracy": 1.0} if metrics is None else metrics
    params = {"model": "random_forest", "alpha": "0.01"} if params is None else params
    return {"info": {"run_id": run_id, "run_name": "rf", "experiment_id": "1"},
            "data": {"tags": [{"key": k, "value": v} for k, v in tags.items()],
                     "metrics": [{"key": k, "value": v} for k, v in metrics.items()],
                     "params": [{"key": k, "value": v} for k, v in params.items()]}}


def test_recorded_reads_commit_data_and_arguments():
    rec = recorded(run_json())
    assert (rec.commit, rec.md5, rec.dvc_path, rec.train_args) == (COMMIT, MD5, "data/wine.csv", ARGS)


def test_dirty_run_is_refused_naming_the_changed_files():
    with pytest.raises(NotReproducible, match=r"uncommitted changes \(git_dirty=true; changed: train.py\)"):
        recorded(run_json(git_dirty="true", git_dirty_files="train.py"))


def test_run_without_dirty_flag_is_refused():
    with pytest.raises(NotReproducible, match="no git_dirty tag"):
        recorded(run_json(git_dirty=None))


@pytest.mark.parametrize("missing", ["git_commit", "dvc_md5", "dvc_path", "train_args"])
def test_missing_tag_is_named(missing):
    with pytest.raises(NotReproducible, match=missing):
        recorded(run_json(**{missing: None}))


@pytest.mark.parametrize("tag,value,msg", [
    ("git_commit", "abc123", "not a 40-hex"),
    ("git_commit", "G" * 40, "not a 40-hex"),
    ("dvc_md5", "x" * 32, "not a 32-hex"),
    ("train_args", "--model rf", "malformed train_args"),
    ("train_args", json.dumps(["--model", 3]), "malformed train_args"),
    ("train_args", json.dumps(["--tracking-uri", "http://elsewhere"]), "malformed train_args"),
])
def test_malformed_records_are_refused(tag, value, msg):
    with pytest.raises(NotReproducible, match=msg):
        recorded(run_json(**{tag: value}))


def test_identical_runs_compare_equal():
    rows = compare(recorded(run_json()), run_json("r2"))
    assert all(r.ok for r in rows)
    assert {r.what for r in rows} >= {"data md5 (dvc_md5)", "code (git_commit)", "params", "metric rmse", "metric r2"}


def test_metric_within_tolerance_is_equal_beyond_is_not():
    orig = recorded(run_json())
    near = run_json("r2", metrics={"rmse": 0.08407565492579232 + TOLERANCE / 10, "r2": 0.9883742949066543,
                                   "accuracy": 1.0})
    far = run_json("r3", metrics={"rmse": 0.08407565492579232 + 1e-6, "r2": 0.9883742949066543, "accuracy": 1.0})
    assert all(r.ok for r in compare(orig, near))
    bad = [r.what for r in compare(orig, far) if not r.ok]
    assert bad == ["metric rmse"]


def test_missing_metric_differing_data_and_params_are_reported():
    orig = recorded(run_json())
    other = run_json("r2", metrics={"rmse": 0.08407565492579232, "r2": 0.9883742949066543},
                     params={"model": "random_forest", "alpha": "0.1"}, dvc_md5="c" * 32)
    bad = {r.what: r for r in compare(orig, other) if not r.ok}
    assert set(bad) == {"metric accuracy", "data md5 (dvc_md5)", "params"}
    assert bad["metric accuracy"].new == "(missing)"
    assert "alpha='0.1'" in bad["params"].new


def test_nan_metrics_are_not_equal():
    orig = recorded(run_json(metrics={"rmse": float("nan")}))
    assert not compare(orig, run_json("r2", metrics={"rmse": float("nan")}))[-1].ok


def test_result_table_says_whether_reproduced():
    orig = recorded(run_json())
    good = Result(orig, "new", compare(orig, run_json("new")))
    bad = Result(orig, "new", compare(orig, run_json("new", metrics={"rmse": 1.0, "r2": 0.0, "accuracy": 0.0})))
    assert good.ok and "REPRODUCED" in good.table() and "DIFFERENT" not in good.table()
    assert not bad.ok and "NOT REPRODUCED" in bad.table() and "DIFFERENT" in bad.table()
    assert not Result(orig).ok  # nothing compared is not a success
