"""What the CLI takes from a lab's spec, not from a guess: `run --infra` only with a choice that lab has
(argparse lists every lab's), and the server probe `check`/`grade` use named in the spec (never found by
looking for a function in the checks module)."""

from __future__ import annotations

import pytest

from mlflow_labs.cli import main
from mlflow_labs.harness.spec import load
from mlflow_labs.labs import LABS

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("lab, infra", [("lab1", "podman"), ("lab2", "docker"), ("lab3", "kind")])
def test_run_refuses_an_infra_of_another_lab(lab, infra, capsys):
    assert main(["run", lab, "--infra", infra]) == 2
    err = capsys.readouterr().err
    assert f"--infra {infra} does not apply to {lab}: it takes {'|'.join(LABS[lab].infra)}" in err, err
    assert err.count("\n") == 1, err   # one paragraph, nothing started


@pytest.mark.parametrize("name", sorted(LABS))
def test_a_checks_module_probe_is_the_one_its_spec_names(name):
    spec = LABS[name]
    own = getattr(spec.checks(), "ensure_server", None)
    if spec.server_probe:
        assert callable(load(spec.server_probe)), spec.server_probe
        assert load(spec.server_probe) is own, f"{name}'s spec names {spec.server_probe}, not its checks' ensure_server"
    else:
        assert own is None, f"{name}/checks.py defines ensure_server, but its spec names no server_probe: `check` would skip it"
