"""Every lab 7 check fails where its claim is false: on an empty MLflow server without the plugin, and
on a near miss of the right setup on the README's own server (harness proofs: CI runs them). A wrong
or missing credential is bad input a learner can give: those run in a learner's `tox -e lab7` too."""

from __future__ import annotations

import pytest

from mlflow_labs.harness.client import TrackingClient
from mlflow_labs.lab7 import checks

pytestmark = pytest.mark.lab7


def by_name(results):
    return {r.name: r for r in results}


@pytest.mark.harness  # a near miss: proves the check, not the learner's setup
def test_every_check_but_health_fails_on_a_plain_server_and_nothing_is_written(lab, empty_mlflow_server):
    fresh = lab.login("alice", key="alice-plain").cookie()["value"]
    results = checks.run_checks(empty_mlflow_server.uri, env=lab.check_env(session=fresh))
    assert results[0].ok and len(results) == len(checks.suite.checks)
    failing = results[1:]
    assert all(not r.ok and r.hint for r in failing), [r.name for r in failing if r.ok]
    assert "not 401" in failing[0].detail
    assert "not an OpenID Connect authorization request" in failing[1].detail
    exps = TrackingClient(empty_mlflow_server.uri).search_experiments(view_type="ALL")
    assert [e["name"] for e in exps] == ["Default"]   # the write probes never ran


@pytest.mark.harness  # a near miss: proves the check, not the learner's setup
def test_every_sso_check_fails_on_a_basic_auth_server_and_nothing_is_written(lab, basic_auth_server):
    """lab 6's server: it refuses strangers too (those two checks rightly pass: /health and the 401 are
    true of it), but nobody signs in through the IdP, and no token or session of the plugin works."""
    fresh = lab.login("alice", key="alice-basic-auth").cookie()["value"]
    results = by_name(checks.run_checks(basic_auth_server.uri, env=lab.check_env(session=fresh)))
    assert len(results) == len(checks.suite.checks)
    assert [n for n, r in results.items() if r.ok] == ["server answers /health", "a stranger (no credentials) gets 401"]
    failing = [r for r in results.values() if not r.ok]
    assert all(r.hint for r in failing)
    login, writer, reader, session = failing
    assert "not an OpenID Connect authorization request" in login.detail, login.detail
    assert "HTTP 401 for writer alice@example.com" in writer.detail, writer.detail
    assert "HTTP 401 for reader bob@example.com" in reader.detail, reader.detail
    assert "refused BEFORE logout (HTTP 401)" in session.detail, session.detail
    admin = TrackingClient(basic_auth_server.uri)
    admin.session.auth = basic_auth_server.admin
    assert [e["name"] for e in admin.search_experiments(view_type="ALL")] == ["Default"]   # nothing was written


@pytest.mark.harness  # a near miss: proves the check, not the learner's setup
def test_a_read_only_user_in_the_writers_place_fails_the_writer_check(lab):
    r = by_name(checks.run_checks(lab.uri, env=lab.check_env(writer="bob")))
    bad = r["the writer's token reads run Run_v1 and may log to it"]
    assert not bad.ok and "HTTP 403" in bad.detail, bad.detail


@pytest.mark.harness  # a near miss: proves the check, not the learner's setup
def test_an_edit_user_in_the_readers_place_fails_the_reader_check(lab):
    """carol holds EDIT on the experiment since the README's grant: as 'reader' she can write."""
    r = by_name(checks.run_checks(lab.uri, env=lab.check_env(reader="carol")))
    bad = r["the reader's token reads, and gets 403 on log-metric and create-run"]
    assert not bad.ok and "not 403" in bad.detail, bad.detail


@pytest.mark.harness  # a near miss: proves the check, not the learner's setup
def test_a_refused_users_session_fails_the_session_check(lab):
    mallory = lab.logins["mallory"].cookie()
    r = by_name(checks.run_checks(lab.uri, env=lab.check_env(session=mallory["value"] if mallory else "x")))
    bad = r["a browser session works until logout, and is refused after it"]
    assert not bad.ok and "BEFORE logout" in bad.detail, bad.detail


def test_a_wrong_token_fails_with_the_variable_named_never_the_value(lab):
    env = lab.check_env()
    env["LAB7_WRITER_TOKEN"] = env["LAB7_WRITER_TOKEN"][:-4] + "xxxx"
    bad = by_name(checks.run_checks(lab.uri, env=env))["the writer's token reads run Run_v1 and may log to it"]
    assert not bad.ok and "LAB7_WRITER_TOKEN" in bad.detail and env["LAB7_WRITER_TOKEN"] not in bad.detail


def test_missing_variables_say_which_to_set(lab):
    results = by_name(checks.run_checks(lab.uri, env={}))
    for name, var in [("the writer's token reads run Run_v1 and may log to it", "LAB7_WRITER_TOKEN"),
                      ("the reader's token reads, and gets 403 on log-metric and create-run", "LAB7_READER_TOKEN"),
                      ("a browser session works until logout, and is refused after it", "LAB7_SESSION")]:
        assert not results[name].ok and var in results[name].detail, results[name].detail
