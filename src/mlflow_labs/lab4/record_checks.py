"""Lab 4's checks on what the runs recorded: every field of the lab's table (params, metrics, git commit,
DVC data hash, system info), the runs the README's introduction promises (linear and tree models, raw and
cleaned data, two regularisation strengths, the raw data being 178 wines x 13 measurements), and an exact
reproduction of the best run (lowest rmse, found by the server's ordering).

checks.py puts them in the lab's suite; model_checks.py looks at the model.pkl of these runs.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from mlflow_labs.harness.client import metrics, params, tags
from mlflow_labs.harness.suite import CheckSuite, experiment_name, need, require
from mlflow_labs.harness.tools import run_tool
from mlflow_labs.lab4.reproduce import REPRO_TAG, TOLERANCE
from mlflow_labs.lab4.tools import is_commit_hash, is_md5

EXPERIMENT = "wine-prediction-mlops"
PARAMS = {"model", "alpha", "l1_ratio", "n_estimators", "max_depth", "test_size", "seed", "data_path"}
METRICS = {"rmse", "r2", "accuracy"}
TAGS = {"git_commit", "git_dirty", "mlflow.source.git.commit", "dvc_md5", "dvc_path", "train_args",
        "sys.os", "sys.cpu_count", "sys.memory_total_gb", "sys.python", "lib.mlflow", "lib.scikit-learn", "lib.pandas"}
TRAIN_HINT = "Steps 5-6: run the lab's train.py (from a committed tree, data added with dvc) against the server"
TARGET = "cultivar"
RAW_WINES, MEASUREMENTS = 178, 13  # scikit-learn's wine data, as the README's intro says


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


def trained_runs(ctx) -> list[dict]:
    """The complete runs train.py logged from a clean tree (reproductions included)."""
    return [r for r in finished_runs(ctx) if not missing_fields(r) and tags(r).get("git_dirty") == "false"]


def compared_runs(ctx) -> list[dict]:
    """The runs step 5 compares: train.py's complete clean runs, reproductions left out (once the first check
    found a complete run; else this check cannot check, and says so)."""
    need(ctx, "run", "a complete run")
    return [r for r in trained_runs(ctx) if REPRO_TAG not in tags(r)]


def data_shape(run: dict) -> tuple[int, int] | None:
    """(rows, measurements) of the run's dataset input, from the profile and schema MLflow logged for it."""
    for d in run.get("inputs", {}).get("dataset_inputs", []):
        ds = d.get("dataset", {})
        try:
            rows = json.loads(ds.get("profile") or "{}")["num_rows"]
            columns = [c["name"] for c in json.loads(ds.get("schema") or "{}")["mlflow_colspec"]]
        except (ValueError, KeyError, TypeError):
            continue
        return int(rows), len([c for c in columns if c != TARGET])
    return None


def add_record_checks(suite: CheckSuite) -> None:
    """A complete run, its commit, data hash and system info; what the runs cover; the data's shape."""

    @suite.check("a finished run carries every field (params, metrics, code, data, system)", hint=TRAIN_HINT)
    def _complete(ctx):
        runs = finished_runs(ctx)
        require(runs, f"no finished runs in {experiment_name(ctx, EXPERIMENT)}")
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
            named = ctx.get("repo_source") or repo  # grade reads a clone: name the learner's repository
            require(dvc_at.returncode == 0, f"{named} has no {where}: {dvc_at.stderr.strip()}")
            require(t["dvc_md5"] in dvc_at.stdout, f"{where} does not record md5 {t['dvc_md5']}")
            return f"{commit} (in {named}, whose .dvc file there records the run's md5)"
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

    @suite.check("the runs compare linear and tree models, each with two regularisation strengths on one data version",
                 hint="Step 5: train.py --model elasticnet random_forest --alpha 0.01 0.1, as the README gives it")
    def _coverage(ctx):
        runs = compared_runs(ctx)
        models = {params(r)["model"] for r in runs}
        require("elasticnet" in models and models - {"elasticnet"},
                f"the runs' models are {sorted(models)}: the lab compares the linear elasticnet with a tree model")
        alphas: dict[tuple[str, str], set[str]] = {}
        for r in runs:
            alphas.setdefault((params(r)["model"], tags(r)["dvc_md5"][:7]), set()).add(params(r)["alpha"])
        compared = sorted(m for (m, _), a in alphas.items() if len(a) >= 2)
        require({"elasticnet"} & set(compared) and set(compared) - {"elasticnet"},
                f"alphas per (model, data version): { {f'{m}@{d}': sorted(a) for (m, d), a in sorted(alphas.items())} }; "
                f"the linear and a tree model each need two alphas on the same data")
        return f"models {sorted(models)}; two or more alphas for {', '.join(compared)}"

    @suite.check(f"the raw data is {RAW_WINES} wines x {MEASUREMENTS} measurements, and a cleaned version has fewer rows",
                 hint="Steps 3 and 6: prepare_data.py exports the wine data, clean_data.py drops outliers; dvc add each")
    def _data(ctx):
        need(ctx, "run", "a complete run")
        shapes = {tags(r)["dvc_md5"]: data_shape(r) for r in trained_runs(ctx)}
        unknown = [md5 for md5, shape in shapes.items() if shape is None]
        require(not unknown, f"the dataset input of data version(s) {unknown} has no profile/schema (mlflow.log_input)")
        require(len(shapes) >= 2, f"all runs used one data version ({', '.join(shapes)}): step 6 trains on the cleaned data")
        raw_md5, (rows, measurements) = max(shapes.items(), key=lambda kv: kv[1][0])
        require((rows, measurements) == (RAW_WINES, MEASUREMENTS),
                f"the raw data version {raw_md5} is {rows} rows x {measurements} measurements; the lab's raw export "
                f"is {RAW_WINES} wines x {MEASUREMENTS} measurements")
        fewer = sorted(r for r, m in shapes.values() if r < rows and m == measurements)
        require(fewer, f"no data version has fewer rows than the raw {rows}: clean_data.py drops outliers")
        return f"raw {raw_md5}: {rows} x {measurements}; cleaned: {', '.join(map(str, fewer))} rows"


def add_reproduction_check(suite: CheckSuite) -> None:
    """The best run has an exact reproduction (`mlflow-labs reproduce`)."""

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
