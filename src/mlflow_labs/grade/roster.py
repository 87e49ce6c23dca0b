"""The class roster: one CSV row per learner, validated whole before anything is graded.

Columns: ``learner`` and ``tracking_uri`` (required); ``experiment`` (the learner's experiment on a
shared class server; empty: the lab's own); credentials for reading the server, by NAME only, never the
secret itself: ``username_var`` + ``password_var`` (environment variables holding a basic-auth login),
``token_var`` (a variable holding a bearer token, e.g. an SSO access token), or ``netrc`` (a netrc file,
looked up by the URI's host). Then the columns the lab's spec declares (``LabSpec.inputs``): each role's
login (lab 6's reader and writer, lab 7's tokens and session; again by reference) and lab 4's repository
(a path or git URL). `mlflow-labs grade labN --roster-template` prints them. A secret in the roster or in a
command line would end up in shell history, `ps` and the gradebook; a variable name does not.

Any problem is a RosterError naming the line and what to do, raised before any learner is graded.
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping
from urllib.parse import urlsplit

from mlflow_labs.errors import LabError
from mlflow_labs.grade.references import BearerAuth, Problem, lab_inputs, server_credentials
from mlflow_labs.harness.inputs import REPO, SECRET
from mlflow_labs.harness.inputs import columns as input_columns

REQUIRED = ("learner", "tracking_uri")
OPTIONAL = ("experiment", "username_var", "password_var", "token_var", "netrc")
__all__ = ["BearerAuth", "Learner", "RosterError", "load", "template"]


class RosterError(LabError):
    """A roster that cannot be graded as a whole (the CLI exits 2, nothing is graded)."""


@dataclass(frozen=True)
class Learner:
    name: str
    tracking_uri: str
    experiment: str | None
    line: int
    auth: object = field(default=None, repr=False)            # a requests auth (tuple or callable), or None
    secrets: tuple[str, ...] = field(default=(), repr=False)  # values to scrub from anything written out
    env: Mapping[str, str] = field(default_factory=dict, repr=False)  # the check's variables (harness/inputs.py)
    repos: Mapping[str, str] = field(default_factory=dict)    # REPO input -> path or git URL (lab 4's `repo`)

    @property
    def credentials(self) -> str:
        """What the outputs may say about credentials: where they came from, never what they are."""
        return "yes" if self.auth is not None else "none"

    @property
    def server(self) -> str:
        """The server this learner is graded on (learners on one shared server share it)."""
        return self.tracking_uri


def columns(spec) -> tuple[str, ...]:
    """Every column a roster for this lab may have, in the template's order."""
    return (*REQUIRED, "experiment", *input_columns(spec.inputs), *OPTIONAL[1:])


def template(spec) -> tuple[str, list[str]]:
    """(the header line, one line per column saying what goes in it) for `grade --roster-template`."""
    about = {"learner": "the learner's name (once each)",
             "tracking_uri": "their MLflow server, http(s)://host:port (no password in it)",
             "experiment": "their experiment on a shared server (empty: the lab's own)",
             "username_var": "reading the server: the variable holding a basic-auth username",
             "password_var": "... and the variable holding its password",
             "token_var": "or: the variable holding a bearer token",
             "netrc": "or: a netrc file with the server's host (relative to the roster's folder)"}
    for i in spec.inputs:
        cols = i.columns()
        if not cols:
            continue  # a browser: nothing to give per learner
        if i.kind == REPO:
            about[cols[0]] = f"{i.what}: a path or git URL (cloned read-only)"
        elif i.kind == SECRET:
            about[cols[0]] = f"{i.what}: the variable holding it"
        else:
            about.update({cols[0]: f"{i.what}: the username" + (f" (default {i.default_username})"
                                                                 if i.default_username else ""),
                          cols[1]: f"... and the variable holding their {i.secret}",
                          cols[2]: f"or: a netrc file with the server's host, for the {i.name}"})
    names = columns(spec)
    width = max(len(c) for c in names)
    return ",".join(names), [f"{c:{width}}  {about[c]}" for c in names]


def _fail(path: Path, line: int, what: str) -> RosterError:
    return RosterError(f"{path}, line {line}: {what} Fix that line and run grade again; nothing was graded.")


def load(path: Path | str, spec, env: Mapping[str, str] | None = None) -> list[Learner]:
    """Every learner of the roster, or a RosterError for the first line that is wrong. ``spec``: the lab
    graded (its inputs are the roster's further columns)."""
    path = Path(path)
    allowed = columns(spec)
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
                          f"({', '.join(REQUIRED)}, optionally {', '.join(allowed[2:])}), then one line per learner "
                          f"(`mlflow-labs grade {spec.name} --roster-template` prints them).")
    names = [h.strip().lower() for h in header]
    unknown = [c for c in names if c not in allowed]
    missing = [c for c in REQUIRED if c not in names]
    if missing or unknown:
        what = []
        if missing:
            what.append(f"missing column(s) {', '.join(missing)}")
        if unknown:
            what.append(f"unknown column(s) {', '.join(unknown)}")
        raise _fail(path, 1, f"{'; '.join(what)}. For {spec.name} the columns are {', '.join(REQUIRED)} (required) and "
                             f"{', '.join(allowed[2:])} (optional); `mlflow-labs grade {spec.name} --roster-template` "
                             f"prints them.")
    if len(set(names)) != len(names):
        raise _fail(path, 1, "a column is named twice.")
    learners: list[Learner] = []
    seen: dict[str, int] = {}
    targets: dict[tuple[str, str], tuple[str, int]] = {}
    for values in reader:
        line = reader.line_num
        if not any(v.strip() for v in values):
            continue  # blank line
        if len(values) != len(names):
            raise _fail(path, line, f"{len(values)} field(s) where the header has {len(names)} "
                                    f"(a comma inside a value needs \"quotes\").")
        row = {c: v.strip() for c, v in zip(names, values)}
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
        try:
            auth, secrets = server_credentials(path, row, env, parts.hostname)
            variables, repos, more = lab_inputs(path, row, env, parts.hostname, spec.inputs)
        except Problem as exc:
            raise _fail(path, line, str(exc)) from None
        learners.append(Learner(name, uri.rstrip("/"), experiment, line, auth, secrets + more, variables, repos))
    if not learners:
        raise RosterError(f"The roster {path} has a header but no learners: add one line per learner.")
    return learners
