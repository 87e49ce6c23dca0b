"""Someone leaves (README Step 8), proven on alice with every credential she can hold: a signed-in
session, her MLflow access token, and a fresh ID token from the IdP (aud `mlflow`, a Bearer credential).

Taken out of `mlflow` at the IdP alone, she can no longer sign in, but each of the three still answers
200: the plugin reads the groups only at sign-in (ERRATA 11). Deactivated by an administrator (the
plugin's PATCH /users/<name>/active), each answers 401. Afterwards alice is put back as the README left
her (her group, her account, a new token in lab.tokens and alice.token), for the tests that follow."""

from __future__ import annotations

import json
import time

import pytest
import requests

from mlflow_labs.lab7 import security

pytestmark = pytest.mark.lab7

API = "/api/2.0/mlflow"
GROUPS_FILE = "idp-groups.json"   # what Step 8 writes: the IdP's directory changes (idp.mjs)


def signed_in_session(lab, who: str) -> tuple[str, str]:
    """A sign-in of ``who`` over HTTP: (MLflow's `session` cookie or '', where /callback sent the browser)."""
    jar, callback = security.code_in_hand(lab.uri, who)
    r = jar.get(callback, allow_redirects=False, timeout=60)
    return jar.cookies.get("session", ""), r.headers.get("location", "")


def fresh_id_token(lab, who: str) -> dict:
    """An ID token the IdP issues ``who`` for MLflow now (aud `mlflow`): its claims and the token."""
    token = security.idp_tokens(lab.idp, who, client_id="mlflow", redirect_uri=f"{lab.uri}/callback",
                                client_secret=lab.secrets["OIDC_CLIENT_SECRET"])["id_token"]
    return {"token": token, **security.claims(token)}


def answers(lab, session: str, token: str) -> dict:
    id_token = fresh_id_token(lab, "alice")
    return {"session": security.status(lab.uri, cookie=session),
            "access token": security.status(lab.uri, auth=("alice@example.com", token)),
            f"fresh ID token (groups {id_token['groups']})": security.status(lab.uri, bearer=id_token["token"])}


def admin(lab) -> requests.Session:
    s = requests.Session()
    s.auth = ("admin@example.com", lab.tokens["admin"])
    return s


def set_active(lab, who: str, active: bool) -> dict:
    r = admin(lab).patch(f"{lab.uri}{API}/users/{who}@example.com/active", json={"active": active}, timeout=60)
    assert r.status_code == 200, (r.status_code, r.text[:300])
    return r.json()


def put_alice_back(lab, groups_before: str | None) -> None:
    """Her group at the IdP, her account active, and a new access token where the README keeps it."""
    groups = lab.docs.cwd / GROUPS_FILE
    if groups_before is None:
        groups.unlink(missing_ok=True)
    else:
        groups.write_text(groups_before)
    set_active(lab, "alice", True)
    session, _ = signed_in_session(lab, "alice")
    expires = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 30 * 86400))
    r = requests.post(f"{lab.uri}{API}/users/current/tokens", cookies={"session": session},
                      json={"name": f"lab7-alice-back-{int(time.time())}", "expiration": expires}, timeout=60)
    assert r.status_code == 201, (r.status_code, r.text[:300])
    lab.tokens["alice"] = r.json()["token"]
    lab.write_secret("alice.token", lab.tokens["alice"])
    lab.write_secret("alice.netrc", f"machine localhost login alice@example.com password {lab.tokens['alice']}\n")


def test_leaving_the_group_keeps_every_credential_deactivation_refuses_each(lab):
    groups = lab.docs.cwd / GROUPS_FILE
    before = groups.read_text() if groups.exists() else None
    session, landed = signed_in_session(lab, "alice")
    assert session and landed.startswith(f"{lab.uri}/oidc/ui/user"), landed
    token = lab.tokens["alice"]
    try:
        seen = answers(lab, session, token)
        assert set(seen.values()) == {200}, seen   # the positive control: each credential works

        directory = json.loads(before) if before else {}
        groups.write_text(json.dumps({**directory, "alice": ["former-staff"]}))
        refused_session, landed = signed_in_session(lab, "alice")
        assert "User+is+not+allowed+to+login" in landed or "User%20is%20not%20allowed" in landed, landed
        seen = answers(lab, session, token)
        # ERRATA 11: out of the group, and still in, by every credential she already had or can still get
        assert seen == {"session": 200, "access token": 200, "fresh ID token (groups ['former-staff'])": 200}, seen

        assert set_active(lab, "alice", False)["active"] is False
        seen = answers(lab, session, token)
        assert seen == {"session": 401, "access token": 401, "fresh ID token (groups ['former-staff'])": 401}, seen
    finally:
        put_alice_back(lab, before)
    code = security.status(lab.uri, auth=("alice@example.com", lab.tokens["alice"]))
    assert code == 200   # back as the README left her, for the tests that follow
