"""Print the id of the best run: the MLflow server orders the experiment's runs by rmse.

    python best_run.py --tracking-uri http://localhost:7006

Only finished runs from a clean tree count (git_dirty=false): a dirty run cannot be reproduced.
Ties (a reproduction has the same rmse as its original) go to the earliest run.
"""

import argparse
import os
import sys

EXPERIMENT = "wine-prediction-mlops"


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--tracking-uri", default=os.environ.get("MLFLOW_TRACKING_URI", "http://localhost:7006"))
    p.add_argument("--metric", default="rmse")
    p.add_argument("--higher-is-better", action="store_true", help="e.g. for r2 or accuracy")
    args = p.parse_args()

    from mlflow.tracking import MlflowClient

    client = MlflowClient(args.tracking_uri)
    exp = client.get_experiment_by_name(EXPERIMENT)
    if exp is None:
        print(f"no experiment {EXPERIMENT!r} at {args.tracking_uri}: run train.py first", file=sys.stderr)
        return 1
    order = "DESC" if args.higher_is_better else "ASC"
    runs = client.search_runs([exp.experiment_id],
                              filter_string="attributes.status = 'FINISHED' and tags.git_dirty = 'false'",
                              order_by=[f"metrics.{args.metric} {order}", "attributes.start_time ASC"],
                              max_results=1)
    if not runs or args.metric not in runs[0].data.metrics:
        print(f"no finished clean run with metric {args.metric!r} in {EXPERIMENT!r}", file=sys.stderr)
        return 1
    best = runs[0]
    print(f"best by {args.metric} ({order}): {best.info.run_name} {args.metric}={best.data.metrics[args.metric]!r}",
          file=sys.stderr)
    print(best.info.run_id)
    return 0


if __name__ == "__main__":
    sys.exit(main())
