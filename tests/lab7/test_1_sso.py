"""The README's single sign-on, as a learner sees it: the pages the browser lands on, the API's answers,
and `mlflow-labs check lab7` against the README's server."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from mlflow_labs.lab7 import checks, security

pytestmark = pytest.mark.lab7


def cli(*args, env: dict, timeout: float = 300) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("LAB7_", "MLFLOW_TRACKING_"))}
    return subprocess.run([sys.executable, "-m", "mlflow_labs.cli", *args], capture_output=True, text=True,
                          timeout=timeout, env={**clean, **env}, stdin=subprocess.DEVNULL)


def test_every_readme_block_ran_or_was_skipped_with_a_reason(lab):
    steps = lab.docs.steps
    assert steps and all(s.status in ("passed", "skipped", "shown") for s in steps), \
        [(s.where, s.status, s.note) for s in steps if s.status not in ("passed", "skipped", "shown")]
    ran = {b.line for b in lab.docs.blocks} - {s.line for s in steps}
    assert not ran, f"README blocks never reached: {sorted(ran)}"
    assert all(s.note for s in steps if s.status == "skipped")


def test_a_member_lands_on_the_user_page_with_name_and_group(lab):
    alice = lab.logins["alice"]
    assert alice.url.startswith(f"{lab.uri}/oidc/ui/user"), alice.url
    for seen in ("Alice Learner", "alice@example.com", "mlflow"):
        assert seen in alice.text, f"{seen!r} not on alice's user page: {alice.text[:400]}"
    code = security.status(lab.uri, cookie=alice.cookie()["value"])  # not inside the assert: a failure must not print the credential
    assert code == 200


def test_a_user_outside_the_allowed_group_is_refused_at_login_and_by_the_api(lab):
    mallory = lab.logins["mallory"]
    assert mallory.refused, f"mallory (group contractors) was not refused: {mallory.url} {mallory.text[:300]}"
    assert "User is not allowed to login" in mallory.text
    cookie = mallory.cookie()
    code = security.status(lab.uri, cookie=cookie["value"] if cookie else None)
    assert code == 401


def test_each_member_got_a_token_that_the_api_accepts(lab):
    for who, token in lab.tokens.items():
        code = security.status(lab.uri, auth=(f"{who}@example.com", token))
        assert code == 200, who


def test_the_readme_server_passes_every_check(lab):
    results = lab.run_checks()
    assert results and all(r.ok for r in results), [f"{r.name}: {r.detail}" for r in results if not r.ok]
    assert len(results) == len(checks.suite.checks)


def test_cli_check_passes_with_credentials_from_the_environment(lab):
    fresh = lab.login("alice", key="alice-cli").cookie()["value"]
    env = lab.check_env(session=fresh)
    p = cli("check", "lab7", "--tracking-uri", lab.uri, env=env)
    assert p.returncode == 0, p.stdout + p.stderr
    assert f"{len(checks.suite.checks)} passed, 0 failed" in p.stdout
    secrets = [v for k, v in env.items() if not k.endswith("_USERNAME")] + list(lab.secrets.values())
    assert len(secrets) == 6
    for secret in secrets:
        assert secret not in p.stdout + p.stderr
