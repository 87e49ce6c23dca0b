"""Lab 6: a production MLflow under load, faults and strangers."""
