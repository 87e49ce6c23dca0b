"""Credentials for a basic-auth MLflow server, read from environment variables only.

A password passed on a command line is visible to every user of the machine (`ps`, /proc/*/cmdline)
and lands in shell history and CI logs, so the lab's checks take none: they read these variables,
and every message names the variable, never its value.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import requests

from mlflow_labs.harness.client import API, TrackingClient

READER_ENV = ("LAB6_READER_USERNAME", "LAB6_READER_PASSWORD")
WRITER_ENV = ("LAB6_WRITER_USERNAME", "LAB6_WRITER_PASSWORD")
SECRET_ENV = ("MLFLOW_AUTH_ADMIN_PASSWORD", "LAB6_READER_PASSWORD", "LAB6_WRITER_PASSWORD",
              "MLFLOW_FLASK_SERVER_SECRET_KEY")


@dataclass(frozen=True)
class Credentials:
    role: str               # reader | writer: what the lab calls this user (and the default username)
    username: str
    password: str = field(repr=False)  # never in a repr, a log line or a report
    password_var: str = ""  # the environment variable it came from, for messages

    @property
    def auth(self) -> tuple[str, str]:
        return (self.username, self.password)


def from_env(role: str, user_var: str, password_var: str, env=None) -> Credentials | None:
    """The role's credentials, or None when its password variable is unset or empty."""
    env = os.environ if env is None else env
    password = env.get(password_var, "")
    if not password:
        return None
    return Credentials(role, env.get(user_var) or role, password, password_var)


def reader(env=None) -> Credentials | None:
    return from_env("reader", *READER_ENV, env=env)


def writer(env=None) -> Credentials | None:
    return from_env("writer", *WRITER_ENV, env=env)


def client_as(uri: str, creds: Credentials | None, timeout: float | None = None) -> TrackingClient:
    """A REST client sending ``creds`` (or nothing: an anonymous stranger); timeout None: MLFLOW_LABS_HTTP_TIMEOUT."""
    c = TrackingClient(uri, timeout=timeout)
    if creds is not None:
        c.session.auth = creds.auth
    return c


def post(client: TrackingClient, endpoint: str, body: dict) -> requests.Response:
    """One raw API call, for checks that assert on the status code (401/403) rather than the data."""
    return client._request("POST", API + endpoint, json=body)


def get(client: TrackingClient, endpoint: str, params: dict | None = None) -> requests.Response:
    return client._request("GET", API + endpoint, params=params or {})


def explain_401(creds: Credentials, uri: str) -> str:
    return (f"HTTP 401 for user '{creds.username}' at {uri}: the server does not accept the password in "
            f"{creds.password_var}. Set {creds.password_var} to that user's password (step 1's lab6-secrets.env: "
            f"`set -a; . ./lab6-secrets.env; set +a`) and run the check again.")


def missing(role: str, password_var: str) -> str:
    return (f"no {role} credentials: the environment variable {password_var} is not set. Export it (e.g. "
            f"`set -a; . ./lab6-secrets.env; set +a`); never pass a password on the command line.")

