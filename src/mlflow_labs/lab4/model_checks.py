"""Lab 4's checks on the model a run logged: model.pkl (unpickled with an allow-listed unpickler,
lab4/safe_pickle.py: a pickle from an untrusted server that names anything but the lab model's classes is
refused, not run) predicts the run's own data, and every run's params are the hyperparameters its
model.pkl was built with.

The data comes from the training repository (``repo``, `--repo`; under `grade`, a read-only clone of the
roster's ``repo``, named by ``repo_source``): its DVC cache, by the run's md5; without it the prediction check
fails, saying so.
"""

from __future__ import annotations

from pathlib import Path

from mlflow_labs.harness.client import params, tags
from mlflow_labs.harness.suite import CheckSuite, need, require
from mlflow_labs.lab4 import safe_pickle
from mlflow_labs.lab4.record_checks import TARGET, trained_runs
from mlflow_labs.lab4.tools import cache_object, file_md5

ARTIFACT = "model.pkl"
CULTIVARS = 3  # the wine data's classes
# which param names the model itself: train.py's --model choices and their scikit-learn estimators
ESTIMATORS = {"elasticnet": "ElasticNet", "decision_tree": "DecisionTreeRegressor",
              "random_forest": "RandomForestRegressor", "gradient_boosting": "GradientBoostingRegressor"}
# logged param -> the estimator attribute it must equal, the first one the estimator has (alpha is the
# trees' ccp_alpha; gradient boosting's own `alpha` is a quantile-loss setting, not the lab's alpha)
HYPERPARAMS = {"alpha": ("ccp_alpha", "alpha"), "l1_ratio": ("l1_ratio",), "n_estimators": ("n_estimators",),
               "max_depth": ("max_depth",), "seed": ("random_state",)}


def load_model(data: bytes):
    """model.pkl through the allow-listed unpickler: refused or broken pickles are the check's finding."""
    try:
        return safe_pickle.loads(data)
    except safe_pickle.RefusedClass as exc:
        require(False, f"model.pkl not loaded: {exc}")
    except Exception as exc:  # any unpickling failure is the finding
        require(False, f"model.pkl does not unpickle here: {type(exc).__name__}: {exc}")


def run_data(ctx, md5: str):
    """The run's own data/wine.csv, from the training repository's DVC cache (found by the run's md5)."""
    import pandas as pd

    repo = ctx.get("repo")
    # grade hands the clone it made of the roster's repo (lab4/learner_repo.py), or why it could not
    require(not ctx.get("repo_problem"), f"no data to test the model on: {ctx.get('repo_problem')}")
    require(repo, "no data to test the model on: give --repo PATH (your training repository, step 2); the model "
                  "is tested on the run's own data/wine.csv, read from that repository's DVC cache")
    cached = cache_object(Path(repo), md5)
    require(cached.is_file() and file_md5(cached) == md5,
            f"{ctx.get('repo_source') or repo}'s DVC cache has no intact copy of the run's data {md5}: run `dvc pull` "
            f"there" + (" (or `dvc push` it to the repository's remote)" if ctx.get("repo_source") else ""))
    return pd.read_csv(cached)


def built_with(model, logged: dict) -> list[str]:
    """Where a fitted model's own hyperparameters differ from the params its run logged."""
    steps = getattr(model, "steps", None)
    estimator = steps[-1][1] if steps else model  # the README's elasticnet is a scaler + ElasticNet pipeline
    own = estimator.get_params()
    out = []
    if type(estimator).__name__ != ESTIMATORS.get(logged.get("model")):
        out.append(f"model={logged.get('model')} but model.pkl is a {type(estimator).__name__}")
    for key, attrs in HYPERPARAMS.items():
        attr = next((a for a in attrs if a in own), None)
        if attr is None:
            continue  # e.g. n_estimators for a single tree: logged, not used
        said = logged.get(key)
        if not _same(said, own[attr]):
            out.append(f"{key}={said} but the model's {attr}={own[attr]}")
    return out


def _same(logged: str | None, value) -> bool:
    """A logged param (a string over REST) and the model's value: numbers compared as numbers."""
    try:
        return logged is not None and float(logged) == float(value)
    except (TypeError, ValueError):  # e.g. max_depth None
        return logged == str(value)


def add_model_checks(suite: CheckSuite) -> None:
    """model.pkl predicts the run's data; every run's params are what its model.pkl was built with."""

    @suite.check("model.pkl loads and predicts the wine data the run used",
                 hint="Steps 5 and 10: train.py logs the pickled fitted model.pkl; "
                      "the check needs --repo (your training repository)")
    def _predicts(ctx):
        import numpy as np

        model = load_model(need(ctx, "artifact_bytes", "the downloaded model.pkl"))
        frame = run_data(ctx, tags(ctx["run"])["dvc_md5"])
        X, y = frame.drop(columns=[TARGET]), frame[TARGET]
        require(sorted(y.unique()) == list(range(CULTIVARS)),
                f"the run's data has cultivars {sorted(y.unique())}, the wine data {list(range(CULTIVARS))}")
        X = X[list(getattr(model, "feature_names_in_", X.columns))]
        pred = np.asarray(model.predict(X), dtype=float)
        require(pred.shape == (len(X),) and np.isfinite(pred).all(),
                f"predictions have shape {pred.shape} or are not finite")
        acc = float(np.mean(np.clip(np.rint(pred), y.min(), y.max()) == y.to_numpy()))
        require(acc > 0.5,
                f"accuracy on the run's {len(X)} wines is {acc:.3f}: the model does not predict the cultivar")
        return (f"{type(model).__name__}: accuracy {acc:.3f} on the run's {len(X)} wines "
                f"(data/wine.csv {tags(ctx['run'])['dvc_md5'][:7]})")

    @suite.check("every run's params are the hyperparameters its model.pkl was built with",
                 hint="Step 5: train.py must log the values it builds the model with (params and model from one place)")
    def _built_with(ctx):
        need(ctx, "artifact_bytes", "the downloaded model.pkl")
        runs = trained_runs(ctx)
        # nothing compared is no proof: with no complete clean run this check once printed PASS "0 runs"
        require(runs, "no complete run logged from a clean tree (git_dirty=false), so no model.pkl could be compared "
                      "with its params: commit your changes, then train again")
        for run in runs:
            model = load_model(ctx["client"].download_artifact(run["info"]["run_id"], ARTIFACT))
            wrong = built_with(model, params(run))
            require(not wrong, f"run {run['info']['run_name']} ({run['info']['run_id']}): {'; '.join(wrong)}")
        return f"{len(runs)} runs: model, alpha, l1_ratio, n_estimators, max_depth and seed match each model.pkl"
