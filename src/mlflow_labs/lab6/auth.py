"""Credentials for a basic-auth MLflow server, read from the check's variables only.

A password passed on a command line is visible to every user of the machine (`ps`, /proc/*/cmdline)
and lands in shell history and CI logs, so the lab's checks take none: they read these variables from
the check's context (`check` fills them from the environment, `grade` from each learner's roster row;
the lab's spec declares them), and every message names where the value comes from, never the value.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import requests

from mlflow_labs.harness import inputs
from mlflow_labs.harness.client import API, TrackingClient
from mlflow_labs.lab6 import READER, WRITER

READER_ENV = READER.variables  # ("LAB6_READER_USERNAME", "LAB6_READER_PASSWORD"), declared in the lab's spec
WRITER_ENV = WRITER.variables
SECRET_ENV = ("MLFLOW_AUTH_ADMIN_PASSWORD", "LAB6_READER_PASSWORD", "LAB6_WRITER_PASSWORD",
              "MLFLOW_FLASK_SERVER_SECRET_KEY")


@dataclass(frozen=True)
class Credentials:
    role: str               # reader | writer: what the lab calls this user (and the default username)
    username: str
    password: str = field(repr=False)  # never in a repr, a log line or a report
    password_var: str = ""  # the variable it came from, for messages
    source: str = ""        # how the person checking gives it (an environment variable, a roster column)

    @property
    def auth(self) -> tuple[str, str]:
        return (self.username, self.password)


def from_env(role: str, user_var: str, password_var: str, env=None) -> Credentials | None:
    """The role's credentials from ``env`` (the check's variables; the process environment only where a
    caller outside the checks passes none), or None when its password variable is unset or empty."""
    env = os.environ if env is None else env
    password = env.get(password_var, "")
    if not password:
        return None
    return Credentials(role, env.get(user_var) or role, password, password_var, inputs.where(env, password_var))


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
    source = creds.source or f"the environment variable {creds.password_var}"
    return (f"HTTP 401 for user '{creds.username}' at {uri}: the server does not accept the password in "
            f"{creds.password_var} (from {source}). Set it to that user's password (step 1's lab6-secrets.env: "
            f"`set -a; . ./lab6-secrets.env; set +a`) and run the check again.")


def missing(role: str, password_var: str, env=None) -> str:
    if isinstance(env, inputs.RosterVariables):  # grade: the instructor's roster gives it
        return f"no {role} credentials: {env.where(password_var)} gives none for this learner."
    return (f"no {role} credentials: the environment variable {password_var} is not set. Export it (e.g. "
            f"`set -a; . ./lab6-secrets.env; set +a`); never pass a password on the command line.")

