"""What `mlflow-labs run labN` (and each lab's end-to-end test) does: start infra, run the README, check.

Each module has `run(options) -> Report`. The pytest tests call the same pieces so the command a
learner runs and the test CI runs cannot drift apart.
"""
