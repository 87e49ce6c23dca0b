"""Access control: the README's basic-auth server, its reader and writer, and `mlflow-labs check lab6`."""

from __future__ import annotations

import pytest

from mlflow_labs.lab6 import checks
from tests.command_line import cli

pytestmark = pytest.mark.lab6

# the learner's shell has lab 6's variables only where the test gives them
UNSET = ("LAB6_", "MLFLOW_AUTH_", "MLFLOW_TRACKING_")


def test_readme_makes_every_access_check_pass(lab):
    results = lab.check_access()
    assert [r.name for r in results if not r.ok] == [], [f"{r.name}: {r.detail}" for r in results if not r.ok]
    by_name = {r.name: r.detail for r in results}
    assert "HTTP 401" in by_name["a stranger (no credentials) gets 401"]
    for what in ("log-metric", "create-run", "delete-experiment"):
        assert "HTTP 403" in by_name[f"the reader gets 403 on {what}"]


def test_the_experiment_survives_the_readers_delete_attempt(lab):
    """The reader's delete is refused with 403 by the server itself. (The check restores the experiment
    if a delete succeeds, so 'still active afterwards' alone would pass on a server that let it through.)"""
    from mlflow_labs.lab6 import auth
    reader = auth.client_as(lab.uri, auth.reader(lab.secrets))
    exp = reader.experiment_by_name(checks.EXPERIMENT)
    assert exp and exp["lifecycle_stage"] == "active"
    r = auth.post(reader, "/experiments/delete", {"experiment_id": exp["experiment_id"]})
    if r.status_code == 200:  # keep the session's experiment for the other tests, then fail
        admin = auth.client_as(lab.uri, auth.Credentials("admin", "admin", lab.secrets["MLFLOW_AUTH_ADMIN_PASSWORD"]))
        auth.post(admin, "/experiments/restore", {"experiment_id": exp["experiment_id"]})
    assert r.status_code == 403, f"the reader's experiments/delete answered HTTP {r.status_code}: {r.text[:200]}"
    assert reader.experiment_by_name(checks.EXPERIMENT)["lifecycle_stage"] == "active"


@pytest.mark.harness
def test_checks_fail_against_a_server_without_auth(lab, empty_mlflow_server):
    """Every check but /health fails, and no write probe is attempted (nothing to refuse it). The server
    is the plugin's shared empty one (no auth): the probes must leave it empty, which this asserts."""
    open_server = empty_mlflow_server
    results = checks.run_checks(open_server.uri, env=lab.secrets)
    from mlflow_labs.harness.client import TrackingClient
    experiments = TrackingClient(open_server.uri).search_experiments(max_results=10)
    assert results[0].ok
    failing = results[1:]
    assert failing and all(not r.ok for r in failing), [r.name for r in failing if r.ok]
    assert "not 401" in failing[0].detail and "no authentication" in failing[0].detail
    assert all(r.hint for r in failing)
    # the probes never ran: no experiment but the default exists, no run was created
    assert [e["name"] for e in experiments] == ["Default"]


def test_cli_check_passes_with_credentials_from_the_environment(lab):
    p = cli("check", "lab6", "--tracking-uri", lab.uri, env=lab.secrets, unset=UNSET)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "7 passed, 0 failed" in p.stdout
    for secret in lab.secrets.values():
        assert secret not in p.stdout + p.stderr


def test_cli_wrong_password_says_401_and_the_variable_never_the_password(lab):
    wrong = "not-the-readers-password-42"
    p = cli("check", "lab6", "--tracking-uri", lab.uri, env={**lab.secrets, "LAB6_READER_PASSWORD": wrong},
            unset=UNSET)
    assert p.returncode == 1
    assert "Traceback" not in p.stderr
    assert "401" in p.stdout and "LAB6_READER_PASSWORD" in p.stdout
    assert wrong not in p.stdout + p.stderr
    for secret in lab.secrets.values():
        assert secret not in p.stdout + p.stderr


def test_cli_missing_credentials_names_the_variable(lab):
    p = cli("check", "lab6", "--tracking-uri", lab.uri, unset=UNSET)
    assert p.returncode == 1
    assert "LAB6_READER_PASSWORD is not set" in p.stdout
    assert "LAB6_WRITER_PASSWORD is not set" in p.stdout


def _state(uri: str, admin) -> list:
    """Every run of every experiment (deleted ones too), with its status and metric keys, as the admin sees them."""
    from mlflow_labs.lab6 import auth
    c = auth.client_as(uri, admin)
    exps = c.search_experiments(max_results=100, view_type="ALL")
    return sorted((e["name"], e["lifecycle_stage"], r["info"]["run_name"], r["info"]["status"],
                   r["info"]["lifecycle_stage"], tuple(sorted(m["key"] for m in r["data"].get("metrics", []))))
                  for e in exps for r in c.search_runs([e["experiment_id"]], run_view_type="ALL"))


def test_a_reader_wrongly_granted_edit_fails_and_the_check_leaves_the_server_as_it_found_it(lab):
    """Issue 25: the reader with EDIT on the experiment. The check must fail its write probes AND leave no
    metric in Run_v1 and no probe run (the old probes wrote both, and their clean-up could not delete)."""
    from mlflow_labs.lab6 import auth
    admin = auth.Credentials("admin", "admin", lab.secrets["MLFLOW_AUTH_ADMIN_PASSWORD"])
    ac = auth.client_as(lab.uri, admin)
    exp_id = ac.experiment_by_name(checks.EXPERIMENT)["experiment_id"]
    key = {"username": "reader", "resource_type": "experiment", "resource_id": exp_id}

    def grant(permission: str) -> None:
        for endpoint, body in (("revoke", key), ("grant", {**key, "permission": permission})):
            r = ac._request("POST", f"/api/3.0/mlflow/users/permissions/{endpoint}", json=body)
            assert r.status_code == 200, (endpoint, r.status_code, r.text)

    before = _state(lab.uri, admin)
    grant("EDIT")
    try:
        results = {r.name: r for r in checks.run_checks(lab.uri, env=lab.secrets)}
    finally:
        grant("READ")
    after = _state(lab.uri, admin)
    assert after == before, f"the check changed the learner's server:\nbefore {before}\nafter  {after}"
    assert not any("probe" in str(row) for row in after), after
    for what in ("log-metric", "create-run"):
        r = results[f"the reader gets 403 on {what}"]
        assert not r.ok and "HTTP 400" in r.detail and "nothing was written" in r.detail, r.detail
        assert r.hint.startswith("Step 3: grant the reader READ")
    assert results["the reader gets 403 on delete-experiment"].ok  # EDIT may not delete
    assert results[[n for n in results if n.startswith("the writer")][0]].ok
