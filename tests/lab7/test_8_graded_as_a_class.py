"""Lab 7 graded the way a class hands it in (issue 33), through the real `mlflow-labs grade`: ann is this
session's lab 7 (the README's IdP and MLflow with its plugin), ben ran lab 6's basic-auth app instead of the
SSO plugin, a stranger's server answers on the port, a silent one never does. Each row is what that learner
did; the stores of ann's and ben's servers are what they were before the class was graded.

It grades the session's lab 7 run (tests/lab7/conftest.py) rather than running lab 7 again: the class is
the servers the README started, and a second lab 7 of its own cost a whole run (about 45 s here). The other
labs' classes are tests/grade/test_class_labs.py."""

from __future__ import annotations

import pytest

from tests.grade.classes import (CLASS_PROBE_BOUND, LAB7_ROLES, SILENT, assert_rows, changed, grade, roster_credentials,
                                 snapshot, store_of)
from tests.grade.hostile import HostileServer
from tests.nearmiss import lab7_states
from tests.nearmiss.world import not_mlflow

pytestmark = [pytest.mark.lab7, pytest.mark.harness]  # the instructor's command, not the learner's lab


def test_a_lab7_class_with_tokens_and_sessions(lab, basic_auth_server, tmp_path):
    rows, env = [], {}
    with not_mlflow() as elsewhere, HostileServer("silent") as silent:
        for learner, uri in (("ann", lab.uri), ("ben", basic_auth_server.uri)):
            # alice's token writes, bob's reads, and a fresh session of alice's (the check logs it out)
            variables = lab.check_env(session=lab7_states.fresh_session(lab.uri, "alice"))
            columns, secret_env = roster_credentials(learner, variables, LAB7_ROLES)
            rows.append({"learner": learner, "tracking_uri": uri, **columns})
            env.update(secret_env)
        rows += [{"learner": "stranger", "tracking_uri": elsewhere}, {"learner": "silent", "tracking_uri": silent.uri}]
        stores = [lab.docs.cwd / "mlflow.db", lab.docs.cwd / "mlartifacts", *store_of(basic_auth_server)]
        before = snapshot(*stores)
        graded = grade("lab7", rows, tmp_path, env=env, probe_bound=CLASS_PROBE_BOUND)
    assert_rows(graded, {"ann": ("PASS", ""), "ben": ("FAIL", lab7_states.LOGIN),
                         "stranger": ("FAIL", lab7_states.STRANGER), "silent": ("ERROR", SILENT)})
    assert changed(before, snapshot(*stores)) == [], "grading changed the learners' stores"
