"""Lab 4 helpers: real git and dvc (tools.py) and reproduction of a run from what it recorded (reproduce.py)."""
