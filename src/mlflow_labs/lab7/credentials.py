"""Who the checks act as, read from the check's variables only (a token on a command line is visible
to every user of the machine): `check` fills them from the environment, `grade` from each learner's
roster row (the lab's spec declares them). Messages name the variable, never its value.

- LAB7_WRITER_USERNAME + LAB7_WRITER_TOKEN: a user with EDIT on the experiment, and an access token
  the plugin issued them (its user page, "Tokens"; or POST /api/2.0/mlflow/users/current/tokens);
- LAB7_READER_USERNAME + LAB7_READER_TOKEN: a user with READ only on it;
- LAB7_SESSION: the value of a signed-in browser's `session` cookie for MLflow (the check logs it out).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import requests

from mlflow_labs.harness import inputs
from mlflow_labs.harness.client import API, TrackingClient
from mlflow_labs.lab7 import READER, SESSION, WRITER

WRITER_ENV = WRITER.variables  # ("LAB7_WRITER_USERNAME", "LAB7_WRITER_TOKEN"), declared in the lab's spec
READER_ENV = READER.variables
SESSION_ENV = SESSION.variables[0]
SECRET_ENV = ("OIDC_CLIENT_SECRET", "SECRET_KEY", "IDP_COOKIE_KEY")


@dataclass(frozen=True)
class Token:
    role: str
    username: str
    token: str = field(repr=False)
    token_var: str = ""


def token(role: str, env=None) -> Token | str:
    """The role's token from ``env`` (the check's variables; the process environment only where a caller
    outside the checks passes none), or the sentence saying which variable is missing."""
    env = os.environ if env is None else env
    user_var, token_var = WRITER_ENV if role == "writer" else READER_ENV
    user, value = env.get(user_var, ""), env.get(token_var, "")
    if not (user and value):
        return missing(role, env)
    return Token(role, user, value, token_var)


def missing(role: str, env) -> str:
    """No token for ``role``: which variables to set, or which roster columns give none."""
    user_var, token_var = WRITER_ENV if role == "writer" else READER_ENV
    if isinstance(env, inputs.RosterVariables):  # grade: the instructor's roster gives it
        return f"no {role} credentials: {env.where(token_var)} or its {role}_username gives none for this learner."
    return (f"no {role} credentials: set {user_var} (the user's name in MLflow, e.g. alice@example.com) and "
            f"{token_var} (an access token issued to that user on MLflow's user page) in the environment; "
            f"never pass a token on the command line.")


def client(uri: str, creds: Token | None = None, session_cookie: str | None = None, timeout: float = 20) -> TrackingClient:
    """A REST client with a token (HTTP basic: username + token, as MLflow's client sends it), a browser
    session cookie, or nothing (a stranger)."""
    c = TrackingClient(uri, timeout=timeout)
    if creds is not None:
        c.session.auth = (creds.username, creds.token)
    if session_cookie is not None:
        c.session.headers["Cookie"] = f"session={session_cookie}"
    return c


def post(c: TrackingClient, endpoint: str, body: dict) -> requests.Response:
    return c._request("POST", API + endpoint, json=body)


def get(c: TrackingClient, endpoint: str, params: dict | None = None) -> requests.Response:
    return c._request("GET", API + endpoint, params=params or {})
