"""mlflow-labs: MLflow course labs and the harness that proves their documented steps work."""

__version__ = "0.1.0"
