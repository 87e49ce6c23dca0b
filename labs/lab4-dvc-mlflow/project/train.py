"""Train wine-cultivar models and record on each MLflow run everything needed to get its result again.

    python train.py --model elasticnet random_forest --alpha 0.01 0.1 --tracking-uri http://localhost:7006

One run per (model, alpha) pair. Each run records:
  params     model, alpha, l1_ratio, n_estimators, max_depth, test_size, seed, data_path, data_rows
  metrics    rmse, r2 (of the predicted cultivar number) and accuracy (of the rounded prediction)
  artifact   model.pkl, logged with mlflow.log_artifact as in the course notes
  code       tag git_commit (MLflow adds mlflow.source.git.commit itself), git_dirty
  data       tag dvc_md5 from data/wine.csv.dvc, also as the run's dataset input (digest = that md5)
  system     tags sys.* (OS, CPU count, memory, Python) and lib.* (library versions)
  rerun      tag train_args: the arguments that give exactly this run again

Two guards run before anything is trained or logged (and before the slow `import mlflow`):
  - uncommitted changes to tracked files are refused: a run must point at a commit that holds its
    code and its data version (--allow-dirty logs anyway, tagged git_dirty=true; such runs cannot
    be reproduced);
  - data/wine.csv must be the version data/wine.csv.dvc records (edited without `dvc add` = refused).
Training is deterministic (fixed seeds, single-threaded models): same commit + same data + same
library versions give the same metrics, bit for bit.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import os
import platform
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
DATA = Path("data/wine.csv")           # relative to ROOT; DVC tracks it, git tracks data/wine.csv.dvc
DVC_FILE = Path("data/wine.csv.dvc")
TARGET = "cultivar"
EXPERIMENT = "wine-prediction-mlops"
DEFAULT_TRACKING_URI = "http://localhost:7006"
MODELS = ("elasticnet", "decision_tree", "random_forest", "gradient_boosting")


class Refused(Exception):
    """A guard said no: the message says what is wrong and what to do."""


# -- guards (standard library only, so a refusal is quick) ---------------------------------------
def git(*args: str) -> str:
    """git's stdout as is (porcelain lines start with a status column that may be a space)."""
    p = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
    if p.returncode != 0:
        raise Refused(f"`git {' '.join(args)}` failed in {ROOT}: {p.stderr.strip()}")
    return p.stdout


def code_version(allow_dirty: bool) -> tuple[str, list[str]]:
    """HEAD's commit and the tracked files that differ from it (refused unless allow_dirty)."""
    try:
        commit = git("rev-parse", "HEAD").strip()
    except Refused:
        raise Refused(f"{ROOT} is not a git repository with a commit, so a run could not record its code "
                      f"version. Run `git init && git add . && git commit -m 'Training project'` first.") from None
    dirty = [line[3:] for line in git("status", "--porcelain", "--untracked-files=no").splitlines() if line.strip()]
    if dirty and not allow_dirty:
        raise Refused(f"Uncommitted changes to tracked files: {', '.join(dirty)}. A run records commit "
                      f"{commit[:12]}, which does not hold these changes, so its result could not be "
                      f"reproduced. "
                      f"Commit them (`git add -A && git commit -m '...'`) or undo them (`git stash`), then run again. "
                      f"(--allow-dirty logs anyway, tagged git_dirty=true, and `mlflow-labs reproduce` will refuse that run.)")
    return commit, dirty


def file_md5(path: Path) -> str:
    h = hashlib.md5()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def recorded_md5(dvc_file: Path) -> str:
    """The md5 DVC recorded for the single output of a .dvc file."""
    import yaml  # an MLflow and DVC dependency

    outs = (yaml.safe_load(dvc_file.read_text()) or {}).get("outs") or [{}]
    md5 = outs[0].get("md5")
    if not md5:
        raise Refused(f"{dvc_file} has no md5 for its output; recreate it with `dvc add {DATA}`.")
    return md5


def data_version() -> str:
    """The md5 of data/wine.csv, refused unless it is the version data/wine.csv.dvc records (and git tracks)."""
    data, dvc_file = ROOT / DATA, ROOT / DVC_FILE
    if not dvc_file.exists():
        raise Refused(f"{DVC_FILE} does not exist, so the data has no recorded version. "
                      f"Run `python prepare_data.py && dvc add {DATA}` and commit {DVC_FILE}.")
    tracked = subprocess.run(["git", "ls-files", "--error-unmatch", str(DVC_FILE)], cwd=ROOT, capture_output=True)
    if tracked.returncode != 0:
        raise Refused(f"{DVC_FILE} is not committed to git, so no commit records this data version. "
                      f"Run `git add {DVC_FILE} data/.gitignore && git commit -m 'Track data with DVC'`.")
    expected = recorded_md5(dvc_file)
    if not data.exists():
        raise Refused(f"{DATA} is missing. Fetch the version {DVC_FILE} records with `dvc pull` "
                      f"(or `dvc checkout {DATA}` if it is in the local DVC cache).")
    actual = file_md5(data)
    if actual != expected:
        raise Refused(f"{DATA} has md5 {actual} but {DVC_FILE} records {expected}: the data was changed without "
                      f"`dvc add`, so a run could not say which data it used. Either make it a new data version "
                      f"(`dvc add {DATA} && git add {DVC_FILE} && git commit -m 'New data version' && dvc push`) "
                      f"or restore the recorded version (`dvc checkout --force {DATA}`).")
    return actual


# -- training ---------------------------------------------------------------------------------
def build_model(name: str, alpha: float, args):
    """`alpha` is the regularisation strength: ElasticNet's alpha, or trees' cost-complexity pruning."""
    from sklearn.ensemble import GradientBoostingRegressor, RandomForestRegressor
    from sklearn.linear_model import ElasticNet
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.tree import DecisionTreeRegressor

    if name == "elasticnet":
        return make_pipeline(StandardScaler(), ElasticNet(alpha=alpha, l1_ratio=args.l1_ratio, random_state=args.seed))
    if name == "decision_tree":
        return DecisionTreeRegressor(max_depth=args.max_depth, ccp_alpha=alpha, random_state=args.seed)
    if name == "random_forest":  # n_jobs=1: deterministic
        return RandomForestRegressor(n_estimators=args.n_estimators, max_depth=args.max_depth, ccp_alpha=alpha,
                                     random_state=args.seed, n_jobs=1)
    return GradientBoostingRegressor(n_estimators=args.n_estimators, max_depth=args.max_depth, ccp_alpha=alpha,
                                     random_state=args.seed)


def system_tags() -> dict[str, str]:
    from importlib.metadata import version

    import psutil

    mem = psutil.virtual_memory()
    tags = {
        "sys.os": platform.platform(),
        "sys.machine": platform.machine(),
        "sys.cpu_count": str(os.cpu_count()),
        "sys.memory_total_gb": f"{mem.total / 2**30:.2f}",
        "sys.memory_available_gb": f"{mem.available / 2**30:.2f}",
        "sys.python": platform.python_version(),
    }
    for lib in ("mlflow", "scikit-learn", "pandas", "numpy", "dvc"):
        try:
            tags[f"lib.{lib}"] = version(lib)
        except Exception:  # dvc may be installed outside this interpreter
            tags[f"lib.{lib}"] = "not installed"
    return tags


def one_run_args(args, model: str, alpha: float) -> list[str]:
    """The train.py arguments that give exactly this run again (what `mlflow-labs reproduce` reruns)."""
    return ["--model", model, "--alpha", repr(alpha), "--l1-ratio", repr(args.l1_ratio),
            "--n-estimators", str(args.n_estimators), "--max-depth", str(args.max_depth),
            "--test-size", repr(args.test_size), "--seed", str(args.seed)]


def train_one(mlflow, frame, args, model_name: str, alpha: float, commit: str, dirty: list[str], md5: str) -> dict:
    import pickle

    import numpy as np
    from sklearn.metrics import mean_squared_error, r2_score
    from sklearn.model_selection import train_test_split

    X, y = frame.drop(columns=[TARGET]), frame[TARGET]
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=args.test_size, random_state=args.seed,
                                                        stratify=y)
    run_name = args.run_name or f"{model_name}-alpha{alpha:g}-data{md5[:7]}"
    with mlflow.start_run(run_name=run_name) as run:
        mlflow.log_params({
            "model": model_name, "alpha": alpha, "l1_ratio": args.l1_ratio, "n_estimators": args.n_estimators,
            "max_depth": args.max_depth, "test_size": args.test_size, "seed": args.seed,
            "data_path": str(DATA), "data_rows": len(frame),
        })
        # the DVC md5 as the dataset's digest: the run's "Datasets used" shows the data version
        dataset = mlflow.data.from_pandas(frame, source=str(DATA), name="wine.csv", targets=TARGET, digest=md5)
        mlflow.log_input(dataset, context="training")

        model = build_model(model_name, alpha, args)
        model.fit(X_train, y_train)
        pred = model.predict(X_test)
        classes = np.clip(np.rint(pred), y.min(), y.max())
        metrics = {"rmse": float(np.sqrt(mean_squared_error(y_test, pred))), "r2": float(r2_score(y_test, pred)),
                   "accuracy": float(np.mean(classes == y_test.to_numpy()))}
        mlflow.log_metrics(metrics)

        out = ROOT / "artifacts" / "model.pkl"
        out.parent.mkdir(exist_ok=True)
        with open(out, "wb") as fh:
            pickle.dump(model, fh)
        mlflow.log_artifact(str(out))

        mlflow.set_tags({
            "git_commit": commit, "git_dirty": str(bool(dirty)).lower(),
            **({"git_dirty_files": ", ".join(dirty)[:5000]} if dirty else {}),
            "dvc_path": str(DATA), "dvc_md5": md5,
            "train_args": json.dumps(one_run_args(args, model_name, alpha)),
            **system_tags(), **dict(args.tag),
        })
        return {"run_id": run.info.run_id, "run_name": run_name, **metrics}


def parse_tag(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"--tag wants KEY=VALUE, got {text!r}")
    return key, value


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", nargs="+", choices=MODELS, default=["elasticnet"], help="one run per model (x alpha)")
    p.add_argument("--alpha", nargs="+", type=float, default=[0.5], help="regularisation strength(s)")
    p.add_argument("--l1-ratio", type=float, default=0.5, help="ElasticNet's L1/L2 mix")
    p.add_argument("--n-estimators", type=int, default=100, help="trees in a forest / boosting stages")
    p.add_argument("--max-depth", type=int, default=3, help="depth of each tree")
    p.add_argument("--test-size", type=float, default=0.2)
    p.add_argument("--seed", type=int, default=42, help="fixes the split and every model's randomness")
    p.add_argument("--run-name", default=None)
    p.add_argument("--tracking-uri", default=os.environ.get("MLFLOW_TRACKING_URI", DEFAULT_TRACKING_URI))
    p.add_argument("--tag", type=parse_tag, action="append", default=[], help="extra tag KEY=VALUE")
    p.add_argument("--allow-dirty", action="store_true", help="log despite uncommitted changes (tagged git_dirty)")
    return p.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        commit, dirty = code_version(args.allow_dirty)
        md5 = data_version()
    except Refused as exc:
        print(f"train.py: refused: {exc}", file=sys.stderr)
        return 2

    import warnings

    import mlflow
    import pandas as pd

    # MLflow's notes on a local CSV source and integer columns are about serving schemas, not this lab
    warnings.filterwarnings("ignore", message=".*dataset source can be interpreted in multiple ways.*")
    warnings.filterwarnings("ignore", message=".*Inferred schema contains integer column.*")

    mlflow.set_tracking_uri(args.tracking_uri)
    mlflow.set_experiment(EXPERIMENT)
    frame = pd.read_csv(ROOT / DATA)
    print(f"code {commit[:12]}{' (dirty)' if dirty else ''}, data {DATA} md5 {md5}, tracking {args.tracking_uri}")
    for model_name, alpha in itertools.product(args.model, args.alpha):
        r = train_one(mlflow, frame, args, model_name, alpha, commit, dirty, md5)
        print(f"run {r['run_id']} {r['run_name']}: rmse={r['rmse']:.6f} r2={r['r2']:.6f} accuracy={r['accuracy']:.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
