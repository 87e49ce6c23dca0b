"""Lab 7's near-miss states: the README's own servers (IdP + MLflow with mlflow-oidc-auth, after the
README ran: alice's Run_v1, bob with the default READ, carol granted EDIT, everyone's token), and the
check's variables set as Step 7 sets them, one thing wrong at a time.

The states are not built on an empty server: signing people in and issuing tokens is the lab itself
(tests/lab7/conftest.py's session run did it once). A state is which server the checks are pointed at
and which person's token or session is in which variable; ``world.clear()`` has nothing to reset.

The session check logs the session it is given out, so a state hands the checks a session that signs
in again each time the check reads LAB7_SESSION (over plain HTTP through the IdP's own forms,
lab7/security.code_in_hand): a learner who copies a fresh cookie before each run. Without that, a
second run of the same state (tests/nearmiss/break_checks.py) would fail the session check instead
of the check under test, and prove nothing.
"""

from __future__ import annotations

from mlflow_labs.lab7 import checks, credentials, security
from tests.nearmiss import NearMiss

HEALTH = "server answers /health"
STRANGER = "a stranger (no credentials) gets 401"
LOGIN = "/login sends the browser to an OpenID Connect provider, with PKCE"
WRITER = f"the writer's token reads run {checks.RUN_NAME} and may log to it"
READER = "the reader's token reads, and gets 403 on log-metric and create-run"
SESSION = "a browser session works until logout, and is refused after it"
ALL = [HEALTH, STRANGER, LOGIN, WRITER, READER, SESSION]
CREDENTIALED = frozenset({WRITER, READER, SESSION})   # what only a server with the plugin can accept


class World:
    """The lab 7 session's run (``lab``), and the other servers a state may point the checks at."""

    def __init__(self, lab, **elsewhere: str):
        self.lab = lab
        self.uri = lab.uri
        self.extra = elsewhere   # plain, basic_auth, no_health: URIs

    def clear(self) -> None:
        """Nothing to reset: a state is where the checks look and with whose credentials."""


def fresh_session(uri: str, person: str) -> str:
    """A new signed-in session of ``person`` (the `session` cookie MLflow sets at /callback), or ''."""
    browser, callback = security.code_in_hand(uri, person)
    browser.get(callback, allow_redirects=False, timeout=30)
    return browser.cookies.get("session", "")


class SignsInAgain(dict):
    """The check's variables, whose LAB7_SESSION is a fresh sign-in of ``person`` each time it is read."""

    def __init__(self, values: dict, uri: str, person: str):
        super().__init__(values)
        self.uri, self.person = uri, person

    def get(self, key, default=None):
        if key == credentials.SESSION_ENV:
            return fresh_session(self.uri, self.person) or default
        return super().get(key, default)


def state(*, writer: str = "alice", reader: str = "bob", session: str = "alice", server: str = ""):
    """A builder: the README's server (or ``server``: plain | basic_auth | no_health) and the variables
    with these people's tokens, and a session of ``session``."""
    def build(world) -> dict:
        env = world.lab.check_env(writer=writer, reader=reader)
        # a session is made on the README's server: the learner copies it from the browser signed in there
        built = {"env": SignsInAgain(env, world.uri, session)}
        if server:
            built["uri"] = world.extra[server]
        return built
    return build


def wrong_writer_token(world) -> dict:
    """alice's token with one character changed: mistyped, or copied short."""
    built = state()(world)
    token_var = credentials.WRITER_ENV[1]
    built["env"][token_var] = security.flip(built["env"][token_var])
    return built


correct = state()

NEAR_MISSES = {c.check: c for c in [
    NearMiss(HEALTH, state(server="no_health"), "the port answers, but not MLflow: /health is a 404",
             frozenset(ALL) - {HEALTH}),
    NearMiss(STRANGER, state(server="plain"), "MLflow was started without --app-name oidc-auth: anyone gets in",
             frozenset({LOGIN}) | CREDENTIALED),
    # the plugin's tokens and sessions exist only on a server with the plugin: no state can keep them
    # working without it, so they fail with /login here
    NearMiss(LOGIN, state(server="basic_auth"), "MLflow runs lab 6's basic-auth app instead of the SSO plugin: "
             "strangers get 401, but there is no sign-in through the IdP", CREDENTIALED),
    NearMiss(WRITER, state(writer="bob"), "the writer's variables hold bob's token: READ (the default), not EDIT"),
    NearMiss(READER, state(reader="carol"), "the reader's variables hold carol's token: Step 6 granted her EDIT"),
    NearMiss(SESSION, state(session="mallory"), "the session was copied from mallory's browser: she is in "
             "`contractors`, not `mlflow`, and was refused at sign-in"),
]}

EXTRA = [
    NearMiss(WRITER, wrong_writer_token, "the writer's token has one character changed (mistyped, copied short)"),
]
