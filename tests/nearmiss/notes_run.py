"""The course notes' run (labs 1 and 2: ElasticNet on the wine data, test_size 0.2, alpha 0.5, rmse and
r2, model.pkl), fitted for real with scikit-learn, with one thing changed at a time."""

from __future__ import annotations

import functools
import pickle

EXPERIMENT = "wine-prediction-mlops"
RUN_NAME = "Run_v1"


@functools.lru_cache(maxsize=None)
def fitted(alpha: float = 0.5, test_size: float = 0.2) -> tuple[bytes, dict[str, float]]:
    """model.pkl's bytes and the metrics the notes' train.py logs, for these params."""
    from sklearn.datasets import load_wine
    from sklearn.linear_model import ElasticNet
    from sklearn.metrics import mean_squared_error, r2_score
    from sklearn.model_selection import train_test_split

    X, y = load_wine(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=test_size, random_state=42)
    model = ElasticNet(alpha=alpha, random_state=42).fit(X_train, y_train)
    pred = model.predict(X_test)
    return pickle.dumps(model), {"rmse": mean_squared_error(y_test, pred) ** 0.5, "r2": r2_score(y_test, pred)}


def log(world, *, experiment: str = EXPERIMENT, run_name: str = RUN_NAME, alpha: float = 0.5,
        params: dict | None = None, drop_metric: str | None = None, artifact: bytes | None = None,
        no_artifact: bool = False, status: str = "FINISHED") -> str:
    """The notes' run as train.py logs it; each keyword is one way a learner's run can differ."""
    model, metrics = fitted(alpha)
    exp_id = world.experiment_id(experiment)
    return world.log_run(
        exp_id, run_name,
        params=params if params is not None else {"test_size": 0.2, "alpha": alpha},
        metrics={k: v for k, v in metrics.items() if k != drop_metric},
        artifacts=None if no_artifact else {"model.pkl": model if artifact is None else artifact},
        status=status)
