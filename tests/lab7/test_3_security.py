"""What an attacker would try, and an IdP outage: each answer asserted as a client sees it."""

from __future__ import annotations

import json
import time

import pytest
import requests

from mlflow_labs.harness import leaks
from mlflow_labs.lab7 import security

pytestmark = pytest.mark.lab7


def test_a_token_with_one_character_changed_is_refused(lab):
    user, token = "alice@example.com", lab.tokens["alice"]
    code = security.status(lab.uri, auth=(user, token))  # not inside the assert: a failure must not print the credential
    assert code == 200           # the real one works...
    code = security.status(lab.uri, auth=(user, security.flip(token)))
    assert code == 401


def test_a_token_is_bound_to_its_user(lab):
    code = security.status(lab.uri, auth=("bob@example.com", lab.tokens["alice"]))
    assert code == 401


def test_a_session_cookie_with_one_character_changed_is_refused(lab):
    cookie = lab.login("alice", key="alice-tamper").cookie()["value"]
    code = security.status(lab.uri, cookie=cookie)
    assert code == 200
    for at in (5, len(cookie) // 2, -3):   # the payload (who you are), and the signature
        code = security.status(lab.uri, cookie=security.flip(cookie, at))
        assert code == 401, at


def test_an_id_token_signed_by_another_key_is_refused(lab):
    """Everything the IdP would write (issuer, audience, key id, groups with mlflow-admin) but the signature."""
    forged = security.forged_id_token(lab.idp, "mlflow", "admin", ["mlflow", "mlflow-admin"])
    code = security.status(lab.uri, bearer=forged)
    assert code == 401
    log = lab.mlflow_log()
    assert "bad signature" in log, "the server refused the forged token, but not for its signature: " + log[-800:]


def test_an_id_token_issued_to_another_application_is_refused(lab):
    """`reports`, another client of the same IdP: alice's genuine ID token for it (aud `reports`, this IdP's
    signature and issuer) is refused as a credential (OIDC_AUDIENCE), and cannot issue an MLflow token; her
    ID token for MLflow itself (aud `mlflow`) is accepted: the positive control. With OIDC_AUDIENCE unset the
    same `reports` token answers 200 (tests/lab7/test_7_attacks.py, the audience case)."""
    other = security.idp_tokens(lab.idp, "alice")["id_token"]
    seen = security.claims(other)
    assert (seen["aud"], seen["iss"], seen["email"]) == ("reports", lab.idp, "alice@example.com"), seen
    code = security.status(lab.uri, bearer=other)
    assert code == 401
    r = requests.post(f"{lab.uri}/api/2.0/mlflow/users/current/tokens", headers={"Authorization": f"Bearer {other}"},
                      json={"name": "from-reports", "expiration": "2030-01-01T00:00:00Z"}, timeout=60)   # 401 before any validation
    assert r.status_code == 401, (r.status_code, r.text[:200])
    own = security.idp_tokens(lab.idp, "alice", client_id="mlflow", redirect_uri=f"{lab.uri}/callback",
                              client_secret=lab.secrets["OIDC_CLIENT_SECRET"])["id_token"]
    code = security.status(lab.uri, bearer=own)
    assert code == 200


def test_the_session_cookie_is_httponly_and_samesite_lax(lab):
    cookie = lab.logins["alice"].cookie()
    assert cookie["httpOnly"] is True          # no script on the page can read it
    assert cookie["sameSite"] == "Lax"         # SESSION_COOKIE_SAMESITE=lax
    assert cookie["secure"] is False           # SESSION_COOKIE_SECURE=false: plain http on localhost only


def test_no_secret_in_any_command_line_log_report_or_terminal_output(lab, tmp_path):
    """Command lines: every one the continuous watch saw since the lab's setup (the README's short-lived
    curl calls included), not a sample at one moment; the fixture scans once more at the session's end."""
    secrets = lab.secret_values()
    assert len(lab.secrets) == 3 and all(len(v) >= 32 for v in lab.secrets.values())
    texts = dict(lab.command_lines())
    texts.update(leaks.files(lab.docs.workdir.glob("background-*.log")))
    report = tmp_path / "lab7.json"
    report.write_text(json.dumps(lab.report.as_dict() if hasattr(lab.report, "as_dict") else vars(lab.report), default=str))
    texts.update(leaks.files([report]))
    texts["terminal output"] = "\n".join(lab.messages)
    texts["README step notes"] = "\n".join(s.note for s in lab.docs.steps)
    assert lab.watch.samples > 10 and texts["terminal output"]
    assert any("--app-name oidc-auth" in line for line in lab.watch.seen().values())   # it saw the README's server
    assert leaks.found_in(secrets, texts) == []


def test_idp_down_login_answers_at_once_and_open_sessions_keep_working(lab):
    open_session = lab.login("admin", key="admin-before-outage").cookie()["value"]
    jar, callback = security.code_in_hand(lab.uri, "carol")   # signed in at the IdP, the code in hand
    line = lab.idp_background_line()
    lab.docs.stop_background(line)
    try:
        # a new sign-in: MLflow still answers /login (a redirect to the IdP; the browser then shows it unreachable)
        r = requests.get(f"{lab.uri}/login", allow_redirects=False, timeout=60)   # bounded: a hang fails here
        assert r.status_code == 302 and r.headers["location"].startswith(f"{lab.idp}/auth?")
        # a sign-in caught mid-way: MLflow cannot redeem the code; it answers (no hang) and lets nobody in
        back = jar.get(callback, allow_redirects=False, timeout=60)
        # measured: 302 to the plugin's sign-in page with error=Failed to process authentication response
        assert back.is_redirect and "/oidc/ui/auth?error=" in back.headers["location"], (back.status_code, back.headers)
        code = security.status(lab.uri, cookie=jar.cookies.get("session"))
        assert code == 401
        # what was open before keeps working: a browser session, and a token
        code = security.status(lab.uri, cookie=open_session)
        assert code == 200
        code = security.status(lab.uri, auth=("alice@example.com", lab.tokens["alice"]))
        assert code == 200
    finally:
        lab.docs.restart_background(line)
        security.sign_in_after_key_change(lab.uri)   # so the next test's sign-in is not the one it costs
