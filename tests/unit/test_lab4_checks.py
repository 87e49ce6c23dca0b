"""Lab 4's checks on what a run logged, without a server: a model built with other hyperparameters than
its params say is named, and the dataset input's profile and schema give rows x measurements."""

from __future__ import annotations

import json

import pytest
from sklearn.ensemble import RandomForestRegressor
from sklearn.linear_model import ElasticNet
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from mlflow_labs.lab4.model_checks import built_with
from mlflow_labs.lab4.record_checks import data_shape

pytestmark = pytest.mark.unit

LOGGED = {"model": "random_forest", "alpha": "0.01", "l1_ratio": "0.5", "n_estimators": "100", "max_depth": "3",
          "test_size": "0.2", "seed": "42"}


def test_a_model_built_as_logged_passes_and_every_difference_is_named():
    assert built_with(RandomForestRegressor(n_estimators=100, max_depth=3, ccp_alpha=0.01, random_state=42), LOGGED) == []
    wrong = built_with(RandomForestRegressor(n_estimators=50, max_depth=None, ccp_alpha=0.01, random_state=42), LOGGED)
    assert wrong == ["n_estimators=100 but the model's n_estimators=50", "max_depth=3 but the model's max_depth=None"]
    linear = make_pipeline(StandardScaler(), ElasticNet(alpha=0.1, l1_ratio=0.5, random_state=42))
    assert built_with(linear, {**LOGGED, "model": "elasticnet"}) == ["alpha=0.01 but the model's alpha=0.1"]
    assert built_with(linear, LOGGED)[0] == "model=random_forest but model.pkl is a ElasticNet"


def test_data_shape_reads_rows_and_measurements_from_the_dataset_input():
    columns = [{"type": "double", "name": f"m{i}"} for i in range(13)] + [{"type": "long", "name": "cultivar"}]
    run = {"inputs": {"dataset_inputs": [{"dataset": {"profile": json.dumps({"num_rows": 178}),
                                                      "schema": json.dumps({"mlflow_colspec": columns})}}]}}
    assert data_shape(run) == (178, 13)
    assert data_shape({"inputs": {"dataset_inputs": [{"dataset": {"digest": "x"}}]}}) is None
