"""One shared class server, 200 learners, each their own experiment (created through the REST API):
every learner graded, each row the state of their own experiment, progress to 200/200."""

from __future__ import annotations

import csv
import re
from concurrent.futures import ThreadPoolExecutor

import pytest

from mlflow_labs.cli import main

from .classroom import STATES, log_lab1
from .conftest import write_roster

pytestmark = pytest.mark.grade

N = 200
# state -> (status, the one check that fails first)
VERDICT = {"complete": ("PASS", ""), "wrong_alpha": ("FAIL", "params are exactly test_size=0.2, alpha=0.5"),
           "half": ("FAIL", "metrics are exactly rmse and r2, with sane values"),
           "created": ("FAIL", "run 'Run_v1' exists and FINISHED")}


def state_of(i: int) -> str:
    return STATES[i % len(STATES)]


def test_200_learners_on_one_shared_server(class_server, tmp_path, capsys):
    names = [f"learner-{i:03d}" for i in range(N)]
    with ThreadPoolExecutor(8) as pool:  # the class's work, as 200 train.py runs would leave it
        list(pool.map(lambda i: log_lab1(class_server.uri, names[i], state_of(i)), range(N)))
    roster = write_roster(tmp_path / "roster.csv",
                          [{"learner": n, "tracking_uri": class_server.uri, "experiment": n} for n in names])
    code = main(["grade", "lab1", "--roster", roster, "--out", str(tmp_path / "out")])
    printed = capsys.readouterr()
    assert code == 1, printed.err[-2000:]
    assert f"{N}/{N} graded" in printed.err
    assert len(re.findall(r"\d+/200 graded", printed.err)) == N
    with (tmp_path / "out" / "grades.csv").open() as f:
        rows = {r["learner"]: r for r in csv.DictReader(f)}
    assert list(rows) == names  # roster order, whatever order they finished in
    for i, name in enumerate(names):
        status, first = VERDICT[state_of(i)]
        assert (rows[name]["status"], rows[name]["first_failure"]) == (status, first), (name, state_of(i), rows[name])
    assert f"{N // 4} of {N} learners pass every check; 0 could not be checked" in printed.out
