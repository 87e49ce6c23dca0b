"""Lab 4's near-miss states: what train.py logs from a real git + DVC repository (two data versions, each
committed), real scikit-learn models pickled as model.pkl, and best_run.py's reproduction; one thing
wrong at a time. The repository is made once per session (`repository()`); the checks get it as `repo`.

The runs, as the README's steps 5 and 6 make them: elasticnet and random_forest at alpha 0.01 and 0.1 on
the raw export, elasticnet at 0.01 on the cleaned data, then the reproduction of the best (lowest rmse)."""

from __future__ import annotations

import copy
import json
import pickle
import platform
from pathlib import Path

from mlflow_labs.harness.common_checks import SERVER_CHECK
from mlflow_labs.lab4 import checks
from mlflow_labs.lab4.reproduce import REPRO_TAG
from mlflow_labs.lab4.tools import dvc, file_md5, git, git_executable, run, tool_env, with_git_identity
from tests.nearmiss import NearMiss

DATA = "data/wine.csv"
EXP = f"experiment '{checks.EXPERIMENT}' exists"
COMPLETE = "a finished run carries every field (params, metrics, code, data, system)"
COMMIT = "its git commit is a 40-hex hash equal to mlflow.source.git.commit"
MD5 = "its DVC md5 is 32-hex and is the digest of its dataset input"
SYSTEM = "its system information is plausible"
COVERAGE = "the runs compare linear and tree models, each with two regularisation strengths on one data version"
SHAPE = "the raw data is 178 wines x 13 measurements, and a cleaned version has fewer rows"
LISTED = "artifact 'model.pkl' is listed"
DOWNLOAD = "artifact 'model.pkl' downloads through the server"
PREDICTS = "model.pkl loads and predicts the wine data the run used"
BUILT = "every run's params are the hyperparameters its model.pkl was built with"
REPRODUCED = "the best run (lowest rmse) has an exact reproduction"
ALL = [SERVER_CHECK, EXP, COMPLETE, COMMIT, MD5, SYSTEM, COVERAGE, SHAPE, LISTED, DOWNLOAD, PREDICTS, BUILT,
       REPRODUCED]
RUNS = [("elasticnet", 0.01, "raw"), ("elasticnet", 0.1, "raw"), ("random_forest", 0.01, "raw"),
        ("random_forest", 0.1, "raw"), ("elasticnet", 0.01, "clean")]
HYPER = {"l1_ratio": 0.5, "n_estimators": 20, "max_depth": 3, "test_size": 0.2, "seed": 42}


def _clean(frame):
    """clean_data.py's rule: drop rows with a measurement beyond 3 standard deviations, and duplicates."""
    features = frame.drop(columns=[checks.TARGET])
    z = (features - features.mean()) / features.std(ddof=0)
    return frame[(z.abs() <= 3.0).all(axis=1)].drop_duplicates().reset_index(drop=True)


def repository(path: Path) -> dict:
    """A real git repository with data/wine.csv added with dvc and committed twice (raw, then cleaned).
    Returns {"raw"|"clean": (frame, md5, commit)}."""
    import pandas as pd
    from sklearn.datasets import load_wine

    env = with_git_identity(tool_env())
    path.mkdir(parents=True, exist_ok=True)
    git(path, "init", "-q")
    dvc(path, "init", "-q")
    (path / "data").mkdir()
    raw = load_wine(as_frame=True).frame.rename(columns={"target": checks.TARGET})
    versions = {}
    for name, frame in [("raw", raw), ("clean", _clean(raw))]:
        frame.to_csv(path / DATA, index=False)
        dvc(path, "add", "-q", DATA)
        git(path, "add", "-A")
        run([git_executable(), "commit", "-q", "-m", f"data version {name}"], path, what="git commit", env=env)
        versions[name] = (pd.read_csv(path / DATA), file_md5(path / DATA), git(path, "rev-parse", "HEAD"))
    return versions


def _build(model: str, alpha: float):
    from sklearn.ensemble import RandomForestRegressor
    from sklearn.linear_model import ElasticNet
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    if model == "elasticnet":
        return make_pipeline(StandardScaler(), ElasticNet(alpha=alpha, l1_ratio=HYPER["l1_ratio"],
                                                          random_state=HYPER["seed"]))
    return RandomForestRegressor(n_estimators=HYPER["n_estimators"], max_depth=HYPER["max_depth"], ccp_alpha=alpha,
                                 random_state=HYPER["seed"], n_jobs=1)


def _fit(frame, model: str, alpha: float, *, shuffled: bool = False):
    """(model.pkl bytes, metrics) as train.py computes them; ``shuffled`` fits on permuted labels."""
    import numpy as np
    from sklearn.metrics import mean_squared_error, r2_score
    from sklearn.model_selection import train_test_split

    X, y = frame.drop(columns=[checks.TARGET]), frame[checks.TARGET]
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=HYPER["test_size"],
                                                        random_state=HYPER["seed"], stratify=y)
    if shuffled:
        y_train = y_train.sample(frac=1, random_state=1).to_numpy()
    fitted = _build(model, alpha).fit(X_train, y_train)
    pred = fitted.predict(X_test)
    classes = np.clip(np.rint(pred), y.min(), y.max())
    return pickle.dumps(fitted), {"rmse": float(np.sqrt(mean_squared_error(y_test, pred))),
                                  "r2": float(r2_score(y_test, pred)),
                                  "accuracy": float(np.mean(classes == y_test.to_numpy()))}


_FITS: dict[tuple, tuple[bytes, dict]] = {}


def fitted(versions: dict, key: tuple, shuffled: bool = False) -> tuple[bytes, dict]:
    """_fit for (model, alpha, data version), once per session."""
    model, alpha, data = key
    frame, md5, _ = versions[data]
    if (md5, key, shuffled) not in _FITS:
        _FITS[md5, key, shuffled] = _fit(frame, model, alpha, shuffled=shuffled)
    return _FITS[md5, key, shuffled]


def planned(versions: dict) -> list[dict]:
    """The correct runs' payloads (deep-copied by each state before it changes one thing)."""
    out = []
    for model, alpha, data in RUNS:
        frame, md5, commit = versions[data]
        pkl, metrics = fitted(versions, (model, alpha, data))
        out.append({
            "name": f"{model}-alpha{alpha:g}-data{md5[:7]}", "model_bytes": pkl, "metrics": metrics,
            "frame": frame, "digest": md5, "key": (model, alpha, data),
            "params": {"model": model, "alpha": alpha, **HYPER, "data_path": DATA, "data_rows": len(frame)},
            "tags": {"git_commit": commit, "git_dirty": "false", "mlflow.source.git.commit": commit,
                     "dvc_path": DATA, "dvc_md5": md5, "train_args": json.dumps(["--model", model, "--alpha", repr(alpha)]),
                     "sys.os": platform.platform(), "sys.cpu_count": "2", "sys.memory_total_gb": "23.45",
                     "sys.python": platform.python_version(), "lib.mlflow": "3.17.2", "lib.scikit-learn": "1.x",
                     "lib.pandas": "2.x"},
        })
    return out


def _dataset(payload: dict):
    import mlflow
    from mlflow.entities import DatasetInput, InputTag

    kw = {"digest": payload["digest"]} if payload["digest"] else {}
    ds = mlflow.data.from_pandas(payload["frame"], source=DATA, name="wine.csv", targets=checks.TARGET, **kw)
    return DatasetInput(ds._to_mlflow_entity(), tags=[InputTag("mlflow.data.context", "training")])


def _log(world, exp_id: str, p: dict, extra_tags: dict | None = None) -> str:
    return world.log_run(exp_id, p["name"], params=p["params"], metrics=p["metrics"],
                         tags={**p["tags"], **(extra_tags or {})},
                         datasets=None if p.get("no_dataset") else [_dataset(p)],
                         artifacts=None if p.get("no_model") else {checks.ARTIFACT: p["model_bytes"]})


def state(change=None, *, experiment: str = checks.EXPERIMENT, elsewhere: bool = False, repro_change=None):
    """A builder: the correct runs with ``change(payloads, versions)`` applied, logged in order, then the
    reproduction of the best clean run (``repro_change(payload, versions)`` alters it)."""
    def build(world) -> dict:
        versions = world.extra["versions"]
        payloads = copy.deepcopy(planned(versions))
        if change:
            change(payloads, versions)
        exp_id = world.experiment_id(experiment)
        ids = [_log(world, exp_id, p) for p in payloads]
        clean = [(p["metrics"]["rmse"], i) for i, p in enumerate(payloads) if p["tags"]["git_dirty"] == "false"]
        if clean:  # best_run.py + mlflow-labs reproduce: the same data, code, params, hence metrics
            best = min(clean)[1]
            repro = copy.deepcopy(payloads[best])
            repro["name"] = payloads[best]["name"] + "-reproduced"
            if repro_change:
                repro_change(repro, versions)
            _log(world, exp_id, repro, {REPRO_TAG: ids[best]})
        return {"repo": str(world.extra["repo"]), **({"uri": world.elsewhere} if elsewhere else {})}
    return build


def best(payloads) -> dict:
    """The payload of the run the checks look at first (lowest rmse)."""
    return min(payloads, key=lambda p: p["metrics"]["rmse"])


def _all(key, value):
    def change(payloads, versions):
        for p in payloads:
            p[key] = value
    return change


def _dirty_best(payloads, versions):
    """One more run, the best of all, logged from a tree with uncommitted changes."""
    extra = copy.deepcopy(best(payloads))
    extra["name"] += "-uncommitted"
    extra["tags"]["git_dirty"] = "true"
    extra["metrics"]["rmse"] -= 0.01
    payloads.append(extra)


def _on_best(**fields):
    def change(payloads, versions):
        b = best(payloads)
        for key, value in fields.items():
            if key == "tags":
                b["tags"].update(value)
            else:
                b[key] = value
    return change


def _shuffled_best(payloads, versions):
    b = best(payloads)
    b["model_bytes"] = fitted(versions, b["key"], shuffled=True)[0]


def _drop(predicate):
    def change(payloads, versions):
        payloads[:] = [p for p in payloads if not predicate(p)]
    return change


def _swapped_model(payloads, versions):
    """elasticnet alpha=0.1 logged, but its model.pkl built with alpha=0.01 (params typed in two places)."""
    p = next(p for p in payloads if p["key"] == ("elasticnet", 0.1, "raw"))
    p["model_bytes"] = fitted(versions, ("elasticnet", 0.01, "raw"))[0]


def _repro_off(repro, versions):
    repro["metrics"]["rmse"] += 1e-3


def _repro_in_the_working_tree(repro, versions):
    """The best run "reproduced" by rerunning train.py where the working tree stands, not by a fresh clone at its
    commit + dvc pull of its data: trained on the other data version (the one the tree holds now)."""
    frame, md5, commit = next(v for v in versions.values() if v[1] != repro["digest"])
    repro.update(frame=frame, digest=md5)
    repro["tags"].update(dvc_md5=md5, git_commit=commit, **{"mlflow.source.git.commit": commit})


def _no_clean_run(payloads, versions):
    for p in payloads:
        p["tags"]["git_dirty"] = "true"


correct = state()
AFTER_COMPLETE = frozenset({COMMIT, MD5, SYSTEM, COVERAGE, SHAPE, LISTED, DOWNLOAD, PREDICTS, BUILT})

NEAR_MISSES = {c.check: c for c in [
    NearMiss(SERVER_CHECK, state(elsewhere=True), "--tracking-uri points at a port where another service answers",
             frozenset(ALL) - {SERVER_CHECK}),
    NearMiss(EXP, state(experiment="Default"), "train.py without mlflow.set_experiment: the runs went to Default",
             frozenset(ALL[2:])),
    NearMiss(COMPLETE, state(_all("no_dataset", True)), "no run called mlflow.log_input", AFTER_COMPLETE),
    NearMiss(COMMIT, state(_dirty_best), "the best run was logged with uncommitted changes (git_dirty=true)"),
    NearMiss(MD5, state(_on_best(digest=None)), "the best run's dataset input has MLflow's digest, not the DVC md5"),
    NearMiss(SYSTEM, state(_on_best(tags={"sys.memory_total_gb": "unknown"})),
             "the best run's sys.memory_total_gb is 'unknown' (psutil missing)"),
    NearMiss(COVERAGE, state(_drop(lambda p: p["key"] == ("random_forest", 0.1, "raw"))),
             "random_forest trained with one alpha only"),
    NearMiss(SHAPE, state(_drop(lambda p: p["key"][2] == "clean")), "step 6 skipped: every run on the raw data"),
    NearMiss(LISTED, state(_on_best(no_model=True)), "the best run has no model.pkl",
             frozenset({DOWNLOAD, PREDICTS, BUILT})),
    NearMiss(DOWNLOAD, state(_on_best(model_bytes=b"Pipeline(ElasticNet(alpha=0.01))\n")),
             "the best run's model.pkl holds str(model), not a pickle", frozenset({PREDICTS, BUILT})),
    NearMiss(PREDICTS, state(_shuffled_best), "the best run's model.pkl was fitted on shuffled labels"),
    NearMiss(BUILT, state(_swapped_model), "a run logged alpha=0.1 but its model.pkl was built with alpha=0.01"),
    NearMiss(REPRODUCED, state(repro_change=_repro_off), "the reproduction's rmse differs from the best run's"),
]}

# More than one thing wrong, each a state the checks once let through; and the README's outcome told another way
EXTRA = [
    # "a fresh git clone + dvc pull gets the same bytes" / "reproduce that run from nothing but what it recorded"
    NearMiss(REPRODUCED, state(repro_change=_repro_in_the_working_tree),
             "the best run was rerun in the working tree on the other data version, not reproduced from a fresh clone "
             "and dvc pull of its own data: the reproduction's dvc_md5 differs"),
    NearMiss(BUILT, state(_no_clean_run), "no run logged from a clean tree: nothing to compare models with",
             frozenset({COMMIT, COVERAGE, SHAPE, REPRODUCED})),
]
