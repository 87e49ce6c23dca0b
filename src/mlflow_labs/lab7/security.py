"""What an attacker would try against lab 7's server, each a plain HTTP request with a status to assert:
a token or a session cookie with one character changed, someone else's token, and an ID token made
by someone holding a different signing key than the IdP's."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
import time
from urllib.parse import parse_qs, urlencode, urljoin, urlparse

import requests

SEARCH = "/api/2.0/mlflow/experiments/search?max_results=1"


def status(uri: str, *, auth=None, cookie: str | None = None, bearer: str | None = None, timeout: float = 30) -> int:
    headers = {}
    if cookie is not None:
        headers["Cookie"] = f"session={cookie}"
    if bearer is not None:
        headers["Authorization"] = f"Bearer {bearer}"
    return requests.get(uri.rstrip("/") + SEARCH, auth=auth, headers=headers, timeout=timeout).status_code


def flip(value: str, at: int = -3) -> str:
    """The same string with one character changed: a near miss of a valid credential. Not the last
    character: in base64 its low bits may be padding, and a change there may decode to the same bytes."""
    i = at % len(value)
    return value[:i] + ("A" if value[i] != "A" else "B") + value[i + 1:]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def forged_id_token(issuer: str, audience: str, subject: str, groups: list[str], kid: str = "lab7") -> str:
    """An RS256 ID token with every claim the IdP would write, signed with a key the attacker made.

    Same issuer, audience, key id and algorithm as the real ones: only the signature can betray it."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding, rsa
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = int(time.time())
    header = {"alg": "RS256", "typ": "JWT", "kid": kid}
    claims = {"iss": issuer, "aud": audience, "sub": subject, "email": f"{subject}@example.com",
              "preferred_username": subject, "name": subject, "groups": groups, "iat": now, "exp": now + 600}
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
    signature = key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
    return f"{signing_input}.{_b64(signature)}"


def sign_in_at_idp(start: str, person: str, stop_at: str, timeout: float = 30) -> tuple[requests.Session, str]:
    """Follow ``start`` (an authorization request, or MLflow's /login) over plain HTTP as a browser does,
    filling the IdP's login and consent forms as ``person``, and stop at the first redirect to ``stop_at``
    (a client's callback): returns the cookie jar and that URL, the authorization code in its query.
    (A browser cannot be stopped there: Playwright does not intercept the hops of a redirect.)"""
    s = requests.Session()
    r = s.get(start, allow_redirects=False, timeout=timeout)
    for _ in range(12):
        if r.is_redirect:
            where = urljoin(r.url, r.headers["location"])
            if where.startswith(stop_at):
                return s, where
            r = s.get(where, allow_redirects=False, timeout=timeout)
            continue
        action = re.search(r'<form[^>]*action="([^"]+)"', r.text)
        prompt = re.search(r'name="prompt" value="(\w+)"', r.text)
        if r.status_code != 200 or not (action and prompt):
            break
        data = {"prompt": prompt.group(1)}
        if data["prompt"] == "login":
            data.update(login=person, password="any-password-the-dev-form-ignores")
        r = s.post(urljoin(r.url, action.group(1)), data=data, allow_redirects=False, timeout=timeout)
    raise RuntimeError(f"{person}'s sign-in never reached {stop_at} (last: HTTP {r.status_code} at {r.url}: "
                       f"{r.text[:200]!r})")


def code_in_hand(mlflow_uri: str, person: str, timeout: float = 30) -> tuple[requests.Session, str]:
    """``person`` signed in at the IdP through MLflow's /login, stopped before MLflow's /callback: a test
    can replay the callback, or stop the IdP before MLflow redeems the code."""
    return sign_in_at_idp(f"{mlflow_uri}/login", person, f"{mlflow_uri}/callback", timeout)


REPORTS = "reports"                                  # idp.mjs: another application of the same company
REPORTS_CALLBACK = "http://localhost:7708/callback"  # registered for it; nothing listens there


def pkce_pair() -> tuple[str, str]:
    """(code_verifier, its S256 code_challenge)."""
    verifier = secrets.token_urlsafe(48)
    return verifier, _b64(hashlib.sha256(verifier.encode()).digest())


def idp_tokens(idp: str, person: str, *, client_id: str = REPORTS, redirect_uri: str = REPORTS_CALLBACK,
               client_secret: str | None = None, scope: str = "openid email profile groups",
               timeout: float = 30) -> dict:
    """A genuine sign-in of ``person`` at the IdP as the client ``client_id`` (PKCE S256), redeemed at its
    token endpoint as that client does: the token response (``id_token``, ``access_token``, ...)."""
    verifier, challenge = pkce_pair()
    query = urlencode({"client_id": client_id, "response_type": "code", "redirect_uri": redirect_uri, "scope": scope,
                       "state": secrets.token_urlsafe(12), "nonce": secrets.token_urlsafe(12),
                       "code_challenge": challenge, "code_challenge_method": "S256"})
    _, callback = sign_in_at_idp(f"{idp}/auth?{query}", person, redirect_uri, timeout)
    code = parse_qs(urlparse(callback).query)["code"][0]
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri, "code_verifier": verifier}
    auth = (client_id, client_secret) if client_secret else None
    if not client_secret:
        form["client_id"] = client_id
    r = requests.post(f"{idp}/token", data=form, auth=auth, timeout=timeout)
    if r.status_code != 200:
        raise RuntimeError(f"the IdP's token endpoint refused {client_id}'s code for {person}: HTTP {r.status_code} "
                           f"{r.text[:200]}")
    return r.json()


def claims(jwt: str) -> dict:
    """A JWT's payload, unverified: what a test reads to say which audience or issuer a token carries."""
    payload = jwt.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def sign_in_after_key_change(mlflow_uri: str, person: str = "alice", timeout: float = 30) -> None:
    """One whole sign-in over plain HTTP, its outcome ignored: the IdP makes a new signing key at each
    start, and mlflow-oidc-auth 11.0.2 fails the first sign-in after a key change (bad signature with
    its cached keys) and refreshes them for the next one (measured here; its routers/auth.py says so).
    A test that restarts the IdP spends that one sign-in here, not in the sign-in it asserts on."""
    jar, callback = code_in_hand(mlflow_uri, person, timeout)
    jar.get(callback, allow_redirects=False, timeout=timeout)
