"""What a lab's checks need besides the server, declared once in its spec (``LabSpec.inputs``): the
credentials of each role the lab names (lab 6's reader and writer, lab 7's tokens and browser session)
and the learner's repository (lab 4).

One declaration serves both callers, so they run the same checks the same way:

- `mlflow-labs check` fills the check's variables from the environment (``from_environment``): the
  learner exports LAB6_READER_PASSWORD as the README says;
- `mlflow-labs grade` fills them per learner from the roster's columns (``columns`` names them), which
  hold references only: a variable name or a netrc file, never the secret itself.

The checks read ``ctx["env"]`` (``variables(ctx)``), never ``os.environ``: a class graded at once has one
process environment and thirty learners.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

LOGIN = "login"    # a username and a secret (a password, or an access token sent as one)
SECRET = "secret"  # one secret alone (a browser's session cookie)
REPO = "repo"      # a path or git URL (lab 4's training repository), cloned read-only by grade
BROWSER = "browser"  # no column: the checks drive a browser of their own (lab 5), so grade runs fewer at once


@dataclass(frozen=True)
class Input:
    name: str                      # "reader": the roster's column stem and what messages call it
    kind: str                      # LOGIN | SECRET | REPO | BROWSER
    variables: tuple[str, ...] = ()  # LOGIN: (username variable, secret variable); SECRET: (variable,)
    what: str = ""                 # one line for the roster template: who or what this is
    secret: str = "password"       # LOGIN: what the secret is called in column names (password | token)
    default_username: str = ""     # LOGIN: the username when none is given (lab 6: the role's name)
    prepare: str = ""              # REPO: "module:function" (source, workdir, timeout) -> local path, for grade

    def columns(self) -> tuple[str, ...]:
        """The roster columns that give this input (any may be empty for a learner)."""
        if self.kind == LOGIN:
            return (f"{self.name}_username", f"{self.name}_{self.secret}_var", f"{self.name}_netrc")
        if self.kind == SECRET:
            return (f"{self.name}_var",)
        return () if self.kind == BROWSER else (self.name,)


def columns(inputs: tuple[Input, ...]) -> tuple[str, ...]:
    return tuple(c for i in inputs for c in i.columns())


def from_environment(inputs: tuple[Input, ...], environ: Mapping[str, str]) -> dict[str, str]:
    """What `check` hands its checks: the declared variables that are set (the rest stay missing, and the
    check that needs one says which to export)."""
    return {v: environ[v] for i in inputs for v in i.variables if environ.get(v)}


class RosterVariables(dict):
    """A learner's check variables filled from their roster row; says which column gives each one."""

    def __init__(self, values: Mapping[str, str], sources: Mapping[str, str]):
        super().__init__(values)
        self.sources = dict(sources)

    def where(self, variable: str) -> str:
        return self.sources.get(variable, f"the roster (no column gives {variable})")


def variables(ctx: dict) -> Mapping[str, str]:
    """The check's variables (credentials by the names `check` reads from the environment); {} when none."""
    env = ctx.get("env")
    return {} if env is None else env


def where(env: Mapping[str, str], variable: str) -> str:
    """How the person running the check gives ``variable``: an environment variable for `check`, a roster
    column for `grade`."""
    if isinstance(env, RosterVariables):
        return env.where(variable)
    return f"the environment variable {variable}"
