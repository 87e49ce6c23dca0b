"""Lab 7, single sign-on: against ANY tracking server that should run MLflow with mlflow-oidc-auth.

Strangers get 401; /login hands the browser to an OpenID Connect provider with PKCE; the writer's
access token may write; the reader's is refused writes (403); a browser session stops working once
logged out. Credentials come from the check's variables (lab7/credentials.py: `check` fills them from
the environment, `grade` from each learner's roster row). The write probes are invalid on purpose
(harness/write_probe.py), so a check writes nothing into the learner's runs, whatever the grants; they
run only once the server has refused a stranger.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

from mlflow_labs.harness import inputs, write_probe
from mlflow_labs.harness.client import metrics, params, run_name
from mlflow_labs.harness.inputs import variables
from mlflow_labs.harness.suite import CheckSuite, need, require
from mlflow_labs.lab7 import credentials as cred

EXPERIMENT = "lab7-sso"
RUN_NAME = "Run_v1"
PARAMS = {"test_size": "0.2", "alpha": "0.5"}
PROBE_KEY = "lab7_writer_probe"
SEARCH = "/experiments/search"

suite = CheckSuite("lab7")


@suite.check("server answers /health", hint="Step 3: start MLflow with `bash serve-mlflow.sh`")
def _health(ctx):
    r = cred.client(ctx["uri"])._request("GET", "/health")
    require(r.status_code == 200, f"/health answered HTTP {r.status_code}")
    return f"/health: {r.text.strip()[:40]}"


@suite.check("a stranger (no credentials) gets 401", hint="Step 3: start MLflow with `--app-name oidc-auth`")
def _stranger(ctx):
    r = cred.get(cred.client(ctx["uri"]), SEARCH, {"max_results": 1})
    require(r.status_code == 401, f"an anonymous experiments/search answered HTTP {r.status_code}, not 401: this "
                                  f"server lets anyone read, write and delete")
    ctx["auth_on"] = True
    return "experiments/search without credentials: HTTP 401"


@suite.check("/login sends the browser to an OpenID Connect provider, with PKCE",
             hint="Step 3: OIDC_DISCOVERY_URL and OIDC_CLIENT_ID in serve-mlflow.sh; the provider of step 2 running")
def _login_redirect(ctx):
    r = cred.client(ctx["uri"])._request("GET", "/login", redirect_ok=True)  # the redirect is the finding
    where = r.headers.get("location", "")
    q = parse_qs(urlparse(where).query)
    require(r.status_code in (302, 303, 307) and q.get("response_type") == ["code"] and q.get("client_id"),
            f"/login answered HTTP {r.status_code}{' to ' + where[:120] if where else ''}: not an OpenID Connect "
            f"authorization request (response_type=code, client_id): this server does not sign in through SSO")
    require(q.get("code_challenge_method") == ["S256"] and q.get("code_challenge"),
            f"/login's authorization request carries no PKCE S256 code challenge: {where[:160]}")
    require("openid" in (q.get("scope") or [""])[0].split(), f"/login asks for scopes {q.get('scope')}, without openid")
    return f"302 to {where.split('?')[0]} (client_id={q['client_id'][0]}, scope={q['scope'][0]}, PKCE S256)"


def _login(ctx, role: str):
    c = cred.token(role, variables(ctx))
    require(not isinstance(c, str), c if isinstance(c, str) else "")
    need(ctx, "auth_on", "a server that refuses strangers")
    client = cred.client(ctx["uri"], c)
    r = cred.get(client, "/experiments/get-by-name", {"experiment_name": EXPERIMENT})
    require(r.status_code != 401, f"HTTP 401 for {role} {c.username} at {ctx['uri']}: the server does not accept the "
                                  f"token in {c.token_var} for that user (expired, deleted, or another user's)")
    require(r.status_code == 200, f"the {role}'s get-by-name {EXPERIMENT} answered HTTP {r.status_code}: "
                                  f"{r.text[:150].strip()}")
    return c, client, r.json()["experiment"]["experiment_id"]


@suite.check(f"the writer's token reads run {RUN_NAME} and may log to it",
             hint="Steps 4-5: sign in as `alice`, issue her token, log the notes' run with `train.py`")
def _writer(ctx):
    c, client, exp_id = _login(ctx, "writer")
    runs = [x for x in client.search_runs([exp_id]) if run_name(x) == RUN_NAME]
    require(runs, f"no run named {RUN_NAME} in {EXPERIMENT} visible to {c.username}")
    run = runs[0]
    require(params(run) == PARAMS, f"run {RUN_NAME} params {params(run)}, expected {PARAMS}")
    require({"rmse", "r2"} <= set(metrics(run)), f"run {RUN_NAME} lacks rmse/r2 (has {sorted(metrics(run))})")
    run_id = run["info"]["run_id"]
    let_through = write_probe.allowed(write_probe.log_metric(client, run_id, PROBE_KEY), f"writer {c.username}", "runs/log-metric",
                                      f"{c.username} may not write to {EXPERIMENT} (does the writer hold EDIT on it?)")
    ctx.update(run_id=run_id, experiment_id=exp_id)
    return f"run {run_id} of experiment {exp_id} read; {let_through}"


@suite.check("the reader's token reads, and gets 403 on log-metric and create-run",
             hint="Step 6: the reader holds READ on the experiment (the default permission), not EDIT")
def _reader(ctx):
    c, client, exp_id = _login(ctx, "reader")
    runs = [x for x in client.search_runs([exp_id]) if run_name(x) == RUN_NAME]
    require(runs, f"the reader {c.username} sees no run {RUN_NAME} in {EXPERIMENT}")
    run_id = runs[0]["info"]["run_id"]
    who = f"reader {c.username}"
    write_probe.refused(write_probe.log_metric(client, run_id, "lab7_reader_probe"), who, "runs/log-metric")
    write_probe.refused(write_probe.create_run(client, exp_id, "lab7-reader-probe"), who, "runs/create")
    return f"{c.username} read run {run_id}; log-metric and create-run: HTTP 403"


@suite.check("a browser session works until logout, and is refused after it",
             hint="Step 7: sign in in the browser and copy its `session` cookie into LAB7_SESSION")
def _session(ctx):
    env = variables(ctx)
    value = env.get(cred.SESSION_ENV, "")
    if not value and isinstance(env, inputs.RosterVariables):  # grade: the instructor's roster gives it
        require(False, f"no session: {env.where(cred.SESSION_ENV)} gives none for this learner (a signed-in browser's "
                       f"`session` cookie for MLflow; the check logs it out)")
    require(value, f"no session: set {cred.SESSION_ENV} to the value of your browser's `session` cookie for "
                   f"MLflow (developer tools, Application, Cookies) after signing in; the check logs it out")
    need(ctx, "auth_on", "a server that refuses strangers")
    browser = cred.client(ctx["uri"], session_cookie=value)
    before = cred.get(browser, SEARCH, {"max_results": 1}).status_code
    require(before == 200, f"the session in {cred.SESSION_ENV} was refused BEFORE logout (HTTP {before}): it is not "
                           f"a signed-in session (signed out, expired, or a user outside the allowed groups)")
    browser._request("GET", "/logout", redirect_ok=True)
    after = cred.get(browser, SEARCH, {"max_results": 1}).status_code
    require(after == 401, f"the same session cookie, replayed after /logout, answered HTTP {after}, not 401: "
                          f"logging out does not end the session on the server")
    return "the session read experiments (HTTP 200); after /logout the same cookie got HTTP 401"


def ensure_server(uri: str) -> str:
    """What `mlflow-labs check lab7` asks before the checks: something answers /health."""
    return _health({"uri": uri})


def run_checks(uri: str, **options):
    """``env=``: the check's variables (LAB7_WRITER_*, LAB7_READER_*, LAB7_SESSION): `check` passes the
    environment's, `grade` each learner's, the harness its own. Without it the credential checks fail."""
    return suite.run(uri, **options)
