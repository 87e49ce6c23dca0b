"""Lab 4: a run records params, metrics, model artifact, git commit, DVC data hash and system info,
and the best run (lowest rmse, found by the server's ordering) has an exact reproduction.

The model check unpickles model.pkl from the server with an allow-listed unpickler (lab4/safe_pickle.py):
a pickle from an untrusted server that names anything but the lab model's classes is refused, not run.
"""

from __future__ import annotations

import math
from pathlib import Path

from mlflow_labs.harness import common_checks as common
from mlflow_labs.harness.suite import CheckSuite, need, require
from mlflow_labs.harness.client import metrics, params, tags
from mlflow_labs.lab4 import safe_pickle
from mlflow_labs.lab4.reproduce import REPRO_TAG, TOLERANCE
from mlflow_labs.infra.tools import run_tool
from mlflow_labs.lab4.tools import is_commit_hash, is_md5

EXPERIMENT = "wine-prediction-mlops"
ARTIFACT = "model.pkl"
PARAMS = {"model", "alpha", "test_size", "seed", "data_path"}
METRICS = {"rmse", "r2", "accuracy"}
TAGS = {"git_commit", "git_dirty", "mlflow.source.git.commit", "dvc_md5", "dvc_path", "train_args",
        "sys.os", "sys.cpu_count", "sys.memory_total_gb", "sys.python", "lib.mlflow", "lib.scikit-learn", "lib.pandas"}
TRAIN_HINT = "Steps 5-6: run the lab's train.py (from a committed tree, data added with dvc) against the server"

suite = CheckSuite("lab4")
common.add_server_checks(suite, EXPERIMENT, hint="Step 1: start the server; --tracking-uri must point at it")


def missing_fields(run: dict) -> list[str]:
    """Every field of the lab's table that this run lacks (empty list = complete)."""
    p, m, t = params(run), metrics(run), tags(run)
    out = [f"param {k}" for k in sorted(PARAMS - set(p))]
    out += [f"metric {k}" for k in sorted(METRICS - set(m))]
    out += [f"tag {k}" for k in sorted(TAGS - set(t))]
    digests = [d["dataset"].get("digest") for d in run.get("inputs", {}).get("dataset_inputs", [])]
    if not digests:
        out.append("dataset input (mlflow.log_input)")
    return out


def finished_runs(ctx) -> list[dict]:
    """Finished runs, best (lowest rmse) first, as the server orders them; cached in ctx."""
    if "runs" not in ctx:
        exp = need(ctx, "experiment", "the experiment")
        ctx["runs"] = ctx["client"].search_runs([exp["experiment_id"]], filter="attributes.status = 'FINISHED'",
                                                order_by=["metrics.rmse ASC", "attributes.start_time ASC"])
    return ctx["runs"]


@suite.check("a finished run carries every field (params, metrics, code, data, system)", hint=TRAIN_HINT)
def _complete(ctx):
    runs = finished_runs(ctx)
    require(runs, f"no finished runs in {EXPERIMENT}")
    gaps = [(missing_fields(r), r) for r in runs]
    complete = [r for missing, r in gaps if not missing]
    if not complete:
        missing, run = min(gaps, key=lambda g: len(g[0]))
        require(False, f"none of {len(runs)} finished run(s) is complete; the closest, {run['info']['run_id']}, "
                       f"lacks: {', '.join(missing)}")
    ctx["run"] = complete[0]
    return f"run {complete[0]['info']['run_id']} ({len(complete)} of {len(runs)} finished runs complete)"


@suite.check("its git commit is a 40-hex hash equal to mlflow.source.git.commit", hint=TRAIN_HINT)
def _commit(ctx):
    t = tags(need(ctx, "run", "a complete run"))
    commit = t["git_commit"]
    require(is_commit_hash(commit), f"git_commit={commit!r} is not a 40-hex commit hash")
    require(t["mlflow.source.git.commit"] == commit,
            f"git_commit {commit} differs from MLflow's mlflow.source.git.commit {t['mlflow.source.git.commit']}: "
            f"train.py must run from the repository it records")
    require(t["git_dirty"] == "false", "the run was logged with uncommitted changes (git_dirty=true)")
    repo = ctx.get("repo")
    if repo:  # optional: the learner's repository must hold that commit and that data version
        dvc_at = run_tool(["git", "show", f"{commit}:{t['dvc_path']}.dvc"], cwd=Path(repo), check=False, timeout=60)
        where = f"{t['dvc_path']}.dvc at {commit[:12]}"
        require(dvc_at.returncode == 0, f"{repo} has no {where}: {dvc_at.stderr.strip()}")
        require(t["dvc_md5"] in dvc_at.stdout, f"{where} does not record md5 {t['dvc_md5']}")
        return f"{commit} (in {repo}, whose .dvc file there records the run's md5)"
    return commit


@suite.check("its DVC md5 is 32-hex and is the digest of its dataset input", hint=TRAIN_HINT)
def _md5(ctx):
    run = need(ctx, "run", "a complete run")
    md5 = tags(run)["dvc_md5"]
    require(is_md5(md5), f"dvc_md5={md5!r} is not a 32-hex md5")
    digests = [d["dataset"].get("digest") for d in run.get("inputs", {}).get("dataset_inputs", [])]
    require(md5 in digests, f"dataset input digests {digests} do not include dvc_md5 {md5}")
    return f"{md5} (also the dataset input's digest)"


@suite.check("its system information is plausible", hint=TRAIN_HINT)
def _system(ctx):
    t = tags(need(ctx, "run", "a complete run"))
    cpus = t["sys.cpu_count"]
    require(cpus.isdigit() and int(cpus) > 0, f"sys.cpu_count={cpus!r}")
    try:
        mem = float(t["sys.memory_total_gb"])
    except ValueError:
        mem = -1
    require(mem > 0, f"sys.memory_total_gb={t['sys.memory_total_gb']!r}")
    return (f"{t['sys.os']}, {cpus} CPUs, {mem} GiB, Python {t['sys.python']}, "
            f"scikit-learn {t['lib.scikit-learn']}")


common.add_artifact_checks(suite, ARTIFACT, hint="Step 5: train.py must log_artifact('artifacts/model.pkl')")


@suite.check("model.pkl loads and predicts the wine data", hint="Step 5: model.pkl must be the pickled fitted model")
def _predicts(ctx):
    import numpy as np
    from sklearn.datasets import load_wine

    data = need(ctx, "artifact_bytes", "the downloaded model.pkl")
    try:
        model = safe_pickle.loads(data)
    except safe_pickle.RefusedClass as exc:
        require(False, f"model.pkl not loaded: {exc}")
    except Exception as exc:  # any unpickling failure is the finding
        require(False, f"model.pkl does not unpickle here: {type(exc).__name__}: {exc}")
    wine = load_wine(as_frame=True)
    X = wine.data[list(getattr(model, "feature_names_in_", wine.data.columns))]
    pred = np.asarray(model.predict(X), dtype=float)
    require(pred.shape == (len(X),) and np.isfinite(pred).all(),
            f"predictions have shape {pred.shape} or are not finite")
    acc = float(np.mean(np.clip(np.rint(pred), 0, 2) == wine.target))
    require(acc > 0.5, f"accuracy on the 178 wines is {acc:.3f}: the model does not predict the cultivar")
    return f"{type(model).__name__}: accuracy {acc:.3f} on all 178 wines"


@suite.check("the best run (lowest rmse) has an exact reproduction",
             hint="Steps 8-9: best_run.py, then mlflow-labs reproduce")
def _reproduced(ctx):
    runs = finished_runs(ctx)
    originals = [r for r in runs if REPRO_TAG not in tags(r) and tags(r).get("git_dirty") == "false"
                 and "rmse" in metrics(r)]
    require(originals, "no finished clean run with an rmse metric")
    best = originals[0]
    bid = best["info"]["run_id"]
    copies = [r for r in runs if tags(r).get(REPRO_TAG) == bid]
    require(copies, f"no run tagged {REPRO_TAG}={bid} (the best run, rmse={metrics(best)['rmse']!r})")
    copy = copies[-1]
    bt, ct, bm, cm = tags(best), tags(copy), metrics(best), metrics(copy)
    for key in ("dvc_md5", "git_commit"):
        require(ct.get(key) == bt[key],
                f"reproduction {copy['info']['run_id']} has {key}={ct.get(key)}, original {bt[key]}")
    for key, value in bm.items():
        other = cm.get(key)
        require(other is not None and math.isclose(value, other, rel_tol=0, abs_tol=TOLERANCE),
                f"metric {key}: original {value!r}, reproduction {other!r}")
    return f"best {bid} rmse={bm['rmse']!r}, reproduced by {copy['info']['run_id']}: data, code and metrics equal"


def run_checks(uri: str, **options):
    """options: repo=PATH also verifies the commit and data version exist in that repository."""
    return suite.run(uri, **options)
