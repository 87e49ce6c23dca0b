"""Lab 6, access control: strangers are refused, the reader only reads, the writer writes.

Credentials come from the check's variables (lab6/auth.py names them: `check` reads them from the
environment, `grade` from each learner's roster row), never from the command line.
The write probes run only once the server has refused a stranger: against a server without auth a
reader's "delete experiment" would really delete it, so those checks fail instead of trying. They leave
the learner's server as they found it: see "write probes that write nothing" below.
"""

from __future__ import annotations

from mlflow_labs.harness import write_probe
from mlflow_labs.harness.client import TrackingError, metrics, params, run_name
from mlflow_labs.harness.inputs import variables
from mlflow_labs.harness.suite import CheckFailed, CheckSuite, experiment_name, need, require
from mlflow_labs.lab6 import auth

EXPERIMENT = "lab6-production"
RUN_NAME = "Run_v1"
PARAMS = {"test_size": "0.2", "alpha": "0.5"}
PROBE_KEY = "lab6_writer_probe"

suite = CheckSuite("lab6")


def ensure_server(uri: str) -> str:
    """What `mlflow-labs check lab6` asks before the checks: an MLflow server answers /health.

    (The generic check also searches experiments anonymously, which a server with auth rightly refuses.)"""
    client = auth.client_as(uri, None)
    if client.health() != "OK":
        raise TrackingError(f"{uri} answered /health without 'OK': it is not an MLflow tracking server.")
    return "OK"


def _refuses(r, who: str, what: str, expected: int) -> str:
    require(r.status_code == expected,
            f"{who} {what}: expected HTTP {expected}, got HTTP {r.status_code} ({r.text[:120].strip()})")
    return f"{who} {what}: HTTP {expected}"


@suite.check("server answers /health", hint="Step 2: start the server with `bash serve.sh`")
def _health(ctx):
    ensure_server(ctx["uri"])
    return "OK"


@suite.check("a stranger (no credentials) gets 401", hint="Step 2: start the server with `--app-name basic-auth`")
def _anonymous(ctx):
    anon = auth.client_as(ctx["uri"], None)
    r = auth.get(anon, "/experiments/search", {"max_results": 1})
    require(r.status_code == 401,
            f"an anonymous experiments/search answered HTTP {r.status_code}, not 401: this server has no "
            f"authentication, anyone who reaches it may read, write and delete")
    ctx["auth_on"] = True
    return "experiments/search without credentials: HTTP 401"


def _login(ctx, role: str, creds: auth.Credentials | None, password_var: str):
    require(creds is not None, auth.missing(role, password_var, variables(ctx)))
    need(ctx, "auth_on", "a server that refuses strangers")
    client = auth.client_as(ctx["uri"], creds)
    r = auth.get(client, "/experiments/get-by-name", {"experiment_name": experiment_name(ctx, EXPERIMENT)})
    if r.status_code == 401:
        raise CheckFailed(auth.explain_401(creds, ctx["uri"]))
    return client, r


@suite.check(f"the reader reads experiment {EXPERIMENT} and run {RUN_NAME}",
             hint="Steps 3-4: create the reader, grant READ on the experiment, log the run as the writer")
def _reader_reads(ctx):
    client, r = _login(ctx, "reader", auth.reader(variables(ctx)), auth.READER_ENV[1])
    require(r.status_code == 200, f"the reader's get-by-name {experiment_name(ctx, EXPERIMENT)} answered HTTP {r.status_code}: "
                                  f"{r.text[:150].strip()} (is READ granted on the experiment?)")
    exp_id = r.json()["experiment"]["experiment_id"]
    runs = [x for x in client.search_runs([exp_id]) if run_name(x) == RUN_NAME]
    require(runs, f"no run named {RUN_NAME} in {experiment_name(ctx, EXPERIMENT)} visible to the reader")
    run = runs[0]
    require(params(run) == PARAMS, f"run {RUN_NAME} params {params(run)}, expected {PARAMS}")
    m = metrics(run)
    require({"rmse", "r2"} <= set(m), f"run {RUN_NAME} lacks rmse/r2 (has {sorted(m)})")
    ctx.update(reader=client, experiment_id=exp_id, run_id=run["info"]["run_id"])
    return f"experiment {exp_id}, run {run['info']['run_id']} (rmse={m['rmse']:.3f}, r2={m['r2']:.3f})"


# -- write probes that write nothing (harness/write_probe.py: invalid on purpose, so nothing is stored) ---

@suite.check("the reader gets 403 on log-metric", hint="Step 3: grant the reader READ, not EDIT")
def _reader_log(ctx):
    client, run_id = need(ctx, "reader", "the reader's login"), need(ctx, "run_id", "the notes' run")
    return write_probe.refused(write_probe.log_metric(client, run_id, "lab6_reader_probe"), "reader", "runs/log-metric")


@suite.check("the reader gets 403 on create-run", hint="Step 3: grant the reader READ, not EDIT")
def _reader_create(ctx):
    client, exp_id = need(ctx, "reader", "the reader's login"), need(ctx, "experiment_id", "the experiment")
    return write_probe.refused(write_probe.create_run(client, exp_id, "lab6-reader-probe"), "reader", "runs/create")


@suite.check("the reader gets 403 on delete-experiment", hint="Step 3: grant the reader READ, not MANAGE")
def _reader_delete(ctx):
    client, exp_id = need(ctx, "reader", "the reader's login"), need(ctx, "experiment_id", "the experiment")
    # no invalid-on-purpose form exists for this call: a real attempt, undone at once if it succeeded
    r = auth.post(client, "/experiments/delete", {"experiment_id": exp_id})
    if r.status_code == 200:
        undo = auth.post(client, "/experiments/restore", {"experiment_id": exp_id})
        state = ("restored at once (by the reader, who may: it has MANAGE)" if undo.status_code == 200 else
                 f"it is still DELETED (restore answered HTTP {undo.status_code}): restore it as the admin, "
                 f"POST /api/2.0/mlflow/experiments/restore {{\"experiment_id\": \"{exp_id}\"}}")
        raise CheckFailed(f"reader experiments/delete: expected HTTP 403, got HTTP 200: the reader deleted "
                          f"experiment {exp_id}; {state}")
    return _refuses(r, "reader", "experiments/delete", 403)


@suite.check("the writer may log to the notes' run", hint="Step 3: create the writer and grant EDIT on the experiment")
def _writer_logs(ctx):
    client, r = _login(ctx, "writer", auth.writer(variables(ctx)), auth.WRITER_ENV[1])
    run_id = need(ctx, "run_id", "the notes' run")
    require(r.status_code == 200, f"the writer's get-by-name {EXPERIMENT} answered HTTP {r.status_code}: "
                                  f"{r.text[:150].strip()} (is EDIT granted on the experiment?)")
    return write_probe.allowed(write_probe.log_metric(client, run_id, PROBE_KEY), "writer", "runs/log-metric",
                               "grant the writer EDIT on the experiment")


def run_checks(uri: str, **options):
    """``env=``: the check's variables (LAB6_READER_*, LAB6_WRITER_*): `check` passes the environment's,
    `grade` each learner's, the harness the README's secrets. Without it the credential checks fail."""
    return suite.run(uri, **options)
