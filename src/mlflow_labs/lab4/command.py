"""`mlflow-labs reproduce RUN_ID --tracking-uri URL --repo PATH`: rerun a run from its recorded commit and data."""

from __future__ import annotations

import os
import sys

EXIT_MISMATCH = 1


def cmd_reproduce(args) -> int:
    from mlflow_labs.lab4.reproduce import reproduce

    result = reproduce(args.run_id, args.tracking_uri, args.repo, workdir=args.workdir,
                       progress=lambda m: print(f"  .. {m}", file=sys.stderr, flush=True))
    print(result.table())
    print(f"reproduction run: {result.new_run_id} (checkout kept in {result.checkout})")
    return 0 if result.ok else EXIT_MISMATCH


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "reproduce", help="rerun an MLflow run from its recorded git commit and DVC data, and compare (Lab 4)",
        description="Clone REPO at the run's git_commit, `dvc pull` the data its dvc_md5 names, rerun train.py with "
                    "the run's train_args, and compare the new run's metrics, params and data hash with the "
                    "original's. Exit 0 when equal, 1 when they differ, 2 when the run cannot be reproduced.")
    p.add_argument("run_id")
    p.add_argument("--tracking-uri", default=os.environ.get("MLFLOW_TRACKING_URI"),
                   required="MLFLOW_TRACKING_URI" not in os.environ,
                   help="the MLflow server holding the run, e.g. http://localhost:7006 (env MLFLOW_TRACKING_URI)")
    p.add_argument("--repo", default=".", help="the project's git repository (path or URL; default: current dir)")
    p.add_argument("--workdir", default=None, help="where to clone (default: a new temp dir, kept for inspection)")
    p.set_defaults(func=cmd_reproduce)
