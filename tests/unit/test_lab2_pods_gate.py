"""lab2/pods_gate.py's verdicts on its samples (pure logic; tests/lab2/test_pods_lab3_k8s.py watches the real
pod): the watch ends on the event that proves the gate, or on one that disproves it, and only a proof passes."""

from __future__ import annotations

import pytest

from mlflow_labs.lab2 import pods_gate as gate

pytestmark = pytest.mark.unit
WAIT = "[WARNING] Unable to access database! Sleeping 1 seconds. Waiting for postgres to listen on 5432..."


def _watch(samples, waits, ended):
    return gate.GateWatch(samples=samples, waits=waits, ended=ended, seconds=4.2, play="kube play still waiting")


@pytest.mark.parametrize("checker,main,seen,alive,waits,ended", [
    ("running", "created", True, True, 1, ""),                             # one wait: not yet a proof
    ("running", "created", True, True, 2, "dbchecker logged its wait 2 times"),
    ("running", "running", True, True, 2, "MLflow's container was running"),   # started while it waited
    ("absent", "created", True, True, 0, "dbchecker ended (absent)"),     # it finished: it would let MLflow start
    ("absent", "absent", False, True, 0, ""),                              # the pod is still being made
    ("absent", "absent", False, False, 0, "kube play ended before dbchecker ran"),
])
def test_the_watch_ends_on_the_event(checker, main, seen, alive, waits, ended):
    w = _watch([], [WAIT] * waits, "")
    assert gate._verdict(w, checker, main, seen, alive) == ended


def test_only_a_watch_ended_by_the_proof_passes():
    proved = _watch([(1.0, "running", "created"), (3.5, "running", "created")], [WAIT, WAIT],
                    "dbchecker logged its wait 2 times")
    gated, waits = gate.rows(proved)
    assert gated.ok and waits.ok, (gated.detail, waits.detail)
    assert "in all 2 samples while it waited MLflow's container was never started" in gated.detail
    assert waits.detail == WAIT

    started = _watch([(1.0, "running", "created"), (1.5, "running", "running")], [WAIT],
                     "MLflow's container was running")
    gated, waits = gate.rows(started)
    assert not gated.ok and "MLflow's container was running while dbchecker was still waiting" in gated.detail
    assert not waits.ok and "logged its wait 1 times, not 2" in waits.detail

    let_through = _watch([(0.5, "absent", "created"), (1.0, "absent", "running")], [],
                         "MLflow's container was running")  # no init container at all: MLflow just starts
    gated, _ = gate.rows(let_through)
    assert not gated.ok and "dbchecker was never seen running" in gated.detail

    bound = _watch([(0.5, "running", "created")], [], f"the bound ({gate.BOUND_S} s) with no verdict")
    gated, _ = gate.rows(bound)
    assert not gated.ok and "the gate was not shown holding" in gated.detail
