"""What an attacker would try against lab 7's server, each a plain HTTP request with a status to assert:
a token or a session cookie with one character changed, someone else's token, and an ID token made
by someone holding a different signing key than the IdP's."""

from __future__ import annotations

import base64
import json
import re
import time
from urllib.parse import urljoin

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


def code_in_hand(mlflow_uri: str, person: str, timeout: float = 30) -> tuple[requests.Session, str]:
    """Sign ``person`` in at the IdP over plain HTTP, as the browser does (MLflow's /login, the IdP's
    login and consent forms), but stop before MLflow's /callback: returns the cookie jar and the
    callback URL with the authorization code, so a test can stop the IdP before MLflow redeems it.
    (A browser cannot be stopped there: Playwright does not intercept the hops of a redirect.)"""
    s = requests.Session()
    r = s.get(f"{mlflow_uri}/login", allow_redirects=False, timeout=timeout)
    for _ in range(12):
        if r.is_redirect:
            where = urljoin(r.url, r.headers["location"])
            if where.startswith(f"{mlflow_uri}/callback"):
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
    raise RuntimeError(f"{person}'s sign-in never reached {mlflow_uri}/callback (last: HTTP {r.status_code} at {r.url})")


def sign_in_after_key_change(mlflow_uri: str, person: str = "alice", timeout: float = 30) -> None:
    """One whole sign-in over plain HTTP, its outcome ignored: the IdP makes a new signing key at each
    start, and mlflow-oidc-auth 11.0.2 fails the first sign-in after a key change (bad signature with
    its cached keys) and refreshes them for the next one (measured here; its routers/auth.py says so).
    A test that restarts the IdP spends that one sign-in here, not in the sign-in it asserts on."""
    jar, callback = code_in_hand(mlflow_uri, person, timeout)
    jar.get(callback, allow_redirects=False, timeout=timeout)
