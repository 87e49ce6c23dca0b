"""Prove the near-miss tests can fail, by hand: `python -m pytest tests/lab1/test_near_misses.py -p tests.nearmiss.break_checks`
is `MLFLOW_LABS_BREAK_CHECKS=1 pytest ...` (scripts/test, CI, sets it for every env): each near miss, after its
real assertion held, is checked again with its check broken (it passes without looking), and the near-miss
assertion must then FAIL (tests/nearmiss/__init__.py `assert_proves_something`)."""

import os

from tests.nearmiss import BREAK_CHECKS

os.environ[BREAK_CHECKS] = "1"
