"""What a roster row points at, resolved: credentials named by reference (an environment variable, a
netrc file), never given in the roster, and a lab's own inputs (harness/inputs.py: a role's login, a
session, lab 4's repository). Each problem is one sentence; roster.py puts the file and line before it.
"""

from __future__ import annotations

import base64
import netrc
import re
from pathlib import Path
from typing import Mapping

from mlflow_labs.harness import inputs as declared
from mlflow_labs.harness.inputs import RosterVariables


class Problem(Exception):
    """What is wrong with one roster row (roster.py names the file and line)."""


class BearerAuth:
    """requests auth sending ``Authorization: Bearer <token>`` (the token never in a repr)."""

    def __init__(self, token: str):
        self._token = token

    def __call__(self, r):
        r.headers["Authorization"] = f"Bearer {self._token}"
        return r

    def __repr__(self) -> str:
        return "BearerAuth(<hidden>)"


def _basic(login: str, password: str) -> str:
    return base64.b64encode(f"{login}:{password}".encode()).decode()


def variable(env: Mapping[str, str], column: str, name: str) -> str:
    value = env.get(name, "")
    if not value:
        raise Problem(f"{column} names {name}, which is not set (or empty) in the environment: export it before "
                      f"grading (the roster holds variable names, never passwords).")
    return value


def netrc_login(roster: Path, column: str, file: str, host: str) -> tuple[str, str]:
    """(login, password) of ``host`` in a netrc file (relative to the roster's folder)."""
    path = Path(file).expanduser()
    if not path.is_absolute():
        path = roster.parent / path
    try:
        entry = netrc.netrc(str(path)).authenticators(host)
    except (OSError, netrc.NetrcParseError) as exc:
        raise Problem(f"{column}: netrc {path} cannot be read ({type(exc).__name__}).") from None
    if not entry:
        raise Problem(f"{column}: netrc {path} has no 'machine {host}' entry (and no default).")
    return entry[0], entry[2]


def server_credentials(roster: Path, row: dict, env: Mapping[str, str], host: str):
    """(requests auth or None, secrets to scrub) for reading the learner's server (any lab)."""
    user_var, pass_var = row.get("username_var", ""), row.get("password_var", "")
    token_var, netrc_file = row.get("token_var", ""), row.get("netrc", "")
    given = [k for k in ("password_var", "token_var", "netrc") if row.get(k)]
    if len(given) > 1:
        raise Problem(f"more than one kind of credentials ({', '.join(given)}); give one.")
    if user_var and not pass_var:
        raise Problem("username_var is set but password_var is empty: name the variable holding the password.")
    if pass_var:
        password = variable(env, "password_var", pass_var)
        username = variable(env, "username_var", user_var) if user_var else ""
        return (username, password), (password, _basic(username, password))
    if token_var:
        token = variable(env, "token_var", token_var)
        return BearerAuth(token), (token,)
    if netrc_file:
        login, password = netrc_login(roster, "netrc", netrc_file, host)
        return (login, password), (password, _basic(login, password))
    return None, ()


GIT_URL = re.compile(r"^([a-z][a-z0-9+.-]*://|[\w.-]+@[\w.-]+:)", re.I)  # scheme:// or scp-like user@host:path


def repository(roster: Path, column: str, value: str) -> str:
    """A repository as the grader will clone it: a git URL as given, a path made absolute (relative to the
    roster's folder) and required to exist."""
    if GIT_URL.match(value):
        return value
    path = Path(value).expanduser()
    if not path.is_absolute():
        path = roster.parent / path
    if not path.is_dir():
        raise Problem(f"{column} '{value}' is neither a git URL nor a folder on this machine ({path}).")
    return str(path.resolve())


def lab_inputs(roster: Path, row: dict, env: Mapping[str, str], host: str, inputs: tuple):
    """(the learner's check variables, {REPO input name: source}, secrets to scrub) from the lab's columns."""
    values: dict[str, str] = {}
    sources: dict[str, str] = {}
    repos: dict[str, str] = {}
    secrets: list[str] = []
    for i in inputs:
        cols = i.columns()
        if not cols:
            continue  # a browser: nothing to give per learner
        if i.kind == declared.REPO:
            if row.get(i.name):
                repos[i.name] = repository(roster, i.name, row[i.name])
            continue
        if i.kind == declared.SECRET:
            if row.get(cols[0]):
                values[i.variables[0]] = variable(env, cols[0], row[cols[0]])
                secrets.append(values[i.variables[0]])
            sources[i.variables[0]] = f"the roster's {cols[0]} column"
            continue
        user_col, secret_col, netrc_col = cols
        user_var, secret_var = i.variables
        sources.update({user_var: f"the roster's {user_col} column",
                        secret_var: f"the roster's {secret_col} or {netrc_col} column"})
        if row.get(secret_col) and row.get(netrc_col):
            raise Problem(f"{secret_col} and {netrc_col} both given for the {i.name}; give one.")
        username = row.get(user_col, "")
        if row.get(secret_col):
            secret = variable(env, secret_col, row[secret_col])
        elif row.get(netrc_col):
            login, secret = netrc_login(roster, netrc_col, row[netrc_col], host)
            username = username or login
        elif username:
            raise Problem(f"{user_col} is given but neither {secret_col} nor {netrc_col}: name where the {i.name}'s "
                          f"{i.secret} is.")
        else:
            continue  # none for this learner: the check that needs it says so in their row
        values[user_var] = username or i.default_username
        values[secret_var] = secret
        secrets += [secret, _basic(values[user_var], secret)]
    return RosterVariables(values, sources), repos, tuple(secrets)
