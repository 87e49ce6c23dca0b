# Repo-level pytest wiring only: the harness plugin is loaded through its entry point
# (mlflow_labs.plugin, declared in pyproject.toml), so nothing else belongs here.
