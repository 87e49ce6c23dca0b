"""The README's single sign-on, as a learner sees it: the pages the browser lands on, the API's answers,
and `mlflow-labs check lab7` against the README's server."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import requests

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
    alice = lab.logins["alice"]   # Step 4's first sign-in
    assert alice.url.startswith(f"{lab.uri}/oidc/ui/user"), alice.url
    for seen in ("Alice Learner", "alice@example.com", "mlflow"):
        assert seen in alice.text, f"{seen!r} not on alice's user page: {alice.text[:400]}"
    live = lab.login("alice", key="alice-live").cookie()["value"]
    code = security.status(lab.uri, cookie=live)  # not inside the assert: a failure must not print the credential
    assert code == 200


def test_logout_ends_both_sessions_and_the_next_login_shows_the_form(lab):
    """Step 4's sign-out in the lab's one browser: MLflow's Logout, the IdP's "Yes, sign me out", a page that
    says so; the session is refused afterwards, and the next /login asks who you are (the IdP's form)."""
    session = lab.login("bob", key="bob-logout").cookie()["value"]
    text = lab.browser.sign_out()
    assert "You are signed out of MLflow and of the identity provider" in text, text
    code = security.status(lab.uri, cookie=session)
    assert code == 401
    assert "You are signed out of MLflow and of the identity provider" in lab.signed_out_text   # Step 4's, too
    page = lab.browser.page
    page.goto(f"{lab.uri}/login", wait_until="domcontentloaded")
    page.locator("input[name=login]").wait_for(state="visible", timeout=60_000)   # the IdP's form, not bob's page
    assert "Enter any login" in page.content()


def test_signed_out_of_mlflow_alone_the_next_login_signs_the_same_person_in(lab):
    """Why Step 4 says to sign out of both: "No, stay signed in" at the IdP ends MLflow's session only, and
    the next /login signs carol in again without a form (one consent click): nobody else can sign in here."""
    lab.login("carol", key="carol-half-logout")
    page = lab.browser.page
    lab.browser.click_logout()
    page.get_by_role("button", name="No, stay signed in").click()
    page.wait_for_url(f"{lab.uri}/**", wait_until="domcontentloaded")
    page.goto(f"{lab.uri}/login", wait_until="domcontentloaded")
    # the IdP asks only for consent again (the "No" withdrew MLflow's grant), never who you are
    page.get_by_role("button", name="Continue").wait_for(state="visible", timeout=60_000)
    assert page.locator("input[name=login]").count() == 0, page.url
    page.get_by_role("button", name="Continue").click()
    page.get_by_text("carol@example.com").first.wait_for(state="visible", timeout=60_000)
    assert page.url.startswith(f"{lab.uri}/oidc/ui/user"), page.url
    lab.browser.signed_in = "carol"
    lab.browser.sign_out()   # both, for the next test's sign-in


def test_people_one_after_the_other_in_one_browser_each_get_their_own_token(lab):
    """Step 5 in one browser: alice, bob, carol, admin and dave signed in in turn; each token is its own
    person's (dave's was deleted with his account's deactivation in Step 8)."""
    assert lab.browser.context is not None and len(lab.browser._browser.contexts) == 1
    assert len(set(lab.tokens.values())) == 5
    for who, token in lab.tokens.items():
        if who == "dave":
            continue
        r = requests.get(f"{lab.uri}/api/2.0/mlflow/users/current", auth=(f"{who}@example.com", token), timeout=30)
        assert r.status_code == 200 and r.json().get("username") == f"{who}@example.com", (who, r.status_code, r.text[:200])
        assert lab.logins[f"{who}-token"].person == who and f"{who}@example.com" in lab.logins[f"{who}-token"].text


def test_a_user_outside_the_allowed_group_is_refused_at_login_and_by_the_api(lab):
    mallory = lab.logins["mallory"]
    assert mallory.refused, f"mallory (group contractors) was not refused: {mallory.url} {mallory.text[:300]}"
    assert "User is not allowed to login" in mallory.text
    cookie = mallory.cookie()
    code = security.status(lab.uri, cookie=cookie["value"] if cookie else None)
    assert code == 401


def test_each_member_got_a_token_that_the_api_accepts_until_they_leave(lab):
    for who, token in lab.tokens.items():
        code = security.status(lab.uri, auth=(f"{who}@example.com", token))
        assert code == (401 if who == "dave" else 200), who   # Step 8 deactivated dave


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
