"""The class roster: one CSV row per learner, validated whole before anything is graded.

Columns: ``learner`` and ``tracking_uri`` (required); ``experiment`` (the learner's experiment on a
shared class server; empty: the lab's own); credentials, by NAME only, never the secret itself:
``username_var`` + ``password_var`` (environment variables holding a basic-auth login), ``token_var``
(a variable holding a bearer token, e.g. an SSO access token), or ``netrc`` (a netrc file, looked up
by the URI's host). A secret in the roster or in a command line would end up in shell history, `ps`
and the gradebook; a variable name does not.

Any problem is a RosterError naming the line and what to do, raised before any learner is graded.
"""

from __future__ import annotations

import base64
import csv
import netrc
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping
from urllib.parse import urlsplit

from mlflow_labs.errors import LabError

REQUIRED = ("learner", "tracking_uri")
OPTIONAL = ("experiment", "username_var", "password_var", "token_var", "netrc")


class RosterError(LabError):
    """A roster that cannot be graded as a whole (the CLI exits 2, nothing is graded)."""


class BearerAuth:
    """requests auth sending ``Authorization: Bearer <token>`` (the token never in a repr)."""

    def __init__(self, token: str):
        self._token = token

    def __call__(self, r):
        r.headers["Authorization"] = f"Bearer {self._token}"
        return r

    def __repr__(self) -> str:
        return "BearerAuth(<hidden>)"


@dataclass(frozen=True)
class Learner:
    name: str
    tracking_uri: str
    experiment: str | None
    line: int
    auth: object = field(default=None, repr=False)            # a requests auth (tuple or callable), or None
    secrets: tuple[str, ...] = field(default=(), repr=False)  # values to scrub from anything written out

    @property
    def credentials(self) -> str:
        """What the outputs may say about credentials: where they came from, never what they are."""
        return "yes" if self.auth is not None else "none"


def _fail(path: Path, line: int, what: str) -> RosterError:
    return RosterError(f"{path}, line {line}: {what} Fix that line and run grade again; nothing was graded.")


def _credentials(path: Path, line: int, row: dict, env: Mapping[str, str], host: str):
    user_var, pass_var = row.get("username_var", ""), row.get("password_var", "")
    token_var, netrc_path = row.get("token_var", ""), row.get("netrc", "")
    given = [k for k in ("password_var", "token_var", "netrc") if row.get(k)]
    if len(given) > 1:
        raise _fail(path, line, f"more than one kind of credentials ({', '.join(given)}); give one.")
    if user_var and not pass_var:
        raise _fail(path, line, "username_var is set but password_var is empty: name the variable holding the password.")
    if pass_var:
        password = env.get(pass_var, "")
        if not password:
            raise _fail(path, line, f"password_var names {pass_var}, which is not set (or empty) in the environment: "
                                    f"export it before grading (the roster holds variable names, never passwords).")
        username = env.get(user_var, "") if user_var else ""
        if user_var and not username:
            raise _fail(path, line, f"username_var names {user_var}, which is not set (or empty) in the environment.")
        basic = base64.b64encode(f"{username}:{password}".encode()).decode()
        return (username, password), (password, basic)
    if token_var:
        token = env.get(token_var, "")
        if not token:
            raise _fail(path, line, f"token_var names {token_var}, which is not set (or empty) in the environment.")
        return BearerAuth(token), (token,)
    if netrc_path:
        file = Path(netrc_path).expanduser()
        if not file.is_absolute():
            file = path.parent / file
        try:
            entry = netrc.netrc(str(file)).authenticators(host)
        except (OSError, netrc.NetrcParseError) as exc:
            raise _fail(path, line, f"netrc {file} cannot be read ({type(exc).__name__}).") from None
        if not entry:
            raise _fail(path, line, f"netrc {file} has no 'machine {host}' entry (and no default).")
        login, _, password = entry
        basic = base64.b64encode(f"{login}:{password}".encode()).decode()
        return (login, password), (password, basic)
    return None, ()


def load(path: Path | str, env: Mapping[str, str] | None = None) -> list[Learner]:
    """Every learner of the roster, or a RosterError for the first line that is wrong."""
    path = Path(path)
    env = os.environ if env is None else env
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise RosterError(f"Cannot read the roster {path} ({exc.strerror}). Pass the CSV file with --roster.") from None
    except UnicodeDecodeError:
        raise RosterError(f"The roster {path} is not UTF-8 text: save it as CSV (UTF-8) and run grade again.") from None
    reader = csv.reader(text.splitlines())
    header = next(reader, None)
    if not header or not any(h.strip() for h in header):
        raise RosterError(f"The roster {path} is empty: its first line must name the columns "
                          f"({', '.join(REQUIRED)}, optionally {', '.join(OPTIONAL)}), then one line per learner.")
    columns = [h.strip().lower() for h in header]
    unknown = [c for c in columns if c not in REQUIRED + OPTIONAL]
    missing = [c for c in REQUIRED if c not in columns]
    if missing or unknown:
        what = []
        if missing:
            what.append(f"missing column(s) {', '.join(missing)}")
        if unknown:
            what.append(f"unknown column(s) {', '.join(unknown)}")
        raise _fail(path, 1, f"{'; '.join(what)}. The columns are {', '.join(REQUIRED)} (required) and "
                             f"{', '.join(OPTIONAL)} (optional).")
    if len(set(columns)) != len(columns):
        raise _fail(path, 1, "a column is named twice.")
    learners: list[Learner] = []
    seen: dict[str, int] = {}
    targets: dict[tuple[str, str], tuple[str, int]] = {}
    for values in reader:
        line = reader.line_num
        if not any(v.strip() for v in values):
            continue  # blank line
        if len(values) != len(columns):
            raise _fail(path, line, f"{len(values)} field(s) where the header has {len(columns)} "
                                    f"(a comma inside a value needs \"quotes\").")
        row = {c: v.strip() for c, v in zip(columns, values)}
        name, uri = row["learner"], row["tracking_uri"]
        if not name:
            raise _fail(path, line, "the learner column is empty.")
        if name in seen:
            raise _fail(path, line, f"learner '{name}' is listed twice (first on line {seen[name]}): each learner once.")
        seen[name] = line
        parts = urlsplit(uri)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise _fail(path, line, f"tracking_uri '{uri}' is not an http(s) URL with a host "
                                    f"(e.g. http://10.0.0.12:7006): grade reads each server over its REST API.")
        if parts.username or parts.password:
            raise _fail(path, line, "tracking_uri carries credentials (user:password@): remove them and name the "
                                    "variables that hold them in username_var/password_var.")
        experiment = row.get("experiment") or None
        target = (uri.rstrip("/"), experiment or "")
        if target in targets:
            other, other_line = targets[target]
            raise _fail(path, line, f"learner '{name}' points at the same server and experiment as '{other}' "
                                    f"(line {other_line}): on a shared server give each learner their own experiment.")
        targets[target] = (name, line)
        auth, secrets = _credentials(path, line, row, env, parts.hostname)
        learners.append(Learner(name, uri.rstrip("/"), experiment, line, auth, secrets))
    if not learners:
        raise RosterError(f"The roster {path} has a header but no learners: add one line per learner.")
    return learners
