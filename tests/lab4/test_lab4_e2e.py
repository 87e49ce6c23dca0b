"""Lab 4 end to end, for real: the session's lab 4 run (tests/lab4/conftest.py: one MLflow server, the README
run as written: git, dvc with a local remote, six runs, best run, reproduction), then the checks, the guards
and the reproduction's failure modes against that same server."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from mlflow_labs.lab4 import checks
from mlflow_labs.harness.client import TrackingClient, metrics, params, tags
from mlflow_labs.lab4 import tools
from mlflow_labs.lab4.reproduce import REPRO_TAG
from tests.command_line import cli

pytestmark = pytest.mark.lab4
EXPERIMENT = checks.EXPERIMENT
COPY_TAG = "mlflow-labs.test-copy-of"  # runs a test made by copying an original: never counted as originals


@pytest.fixture(scope="module")
def client(lab4) -> TrackingClient:
    return TrackingClient(lab4.uri)


@pytest.fixture
def readme_ok(lab4):
    if lab4.readme_error:
        pytest.fail(f"the README did not run through, so this cannot be tested: {lab4.readme_error}")


def experiment_runs(client) -> list[dict]:
    exp = client.experiment_by_name(EXPERIMENT)
    return client.search_runs([exp["experiment_id"]], order_by=["metrics.rmse ASC", "attributes.start_time ASC"])


def originals(client) -> list[dict]:
    return [r for r in experiment_runs(client) if REPRO_TAG not in tags(r) and COPY_TAG not in tags(r)
            and tags(r).get("git_dirty") == "false" and r["info"]["status"] == "FINISHED"]


def mlflow_labs(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """The `mlflow-labs` command as a learner runs it, with git and dvc offline and never prompting."""
    return cli(*args, cwd=cwd, env=tools.tool_env(), timeout=600)


def train(repo: Path, uri: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "train.py", "--tracking-uri", uri, *args], cwd=repo, capture_output=True,
                          text=True, env=tools.tool_env(), timeout=600)


@pytest.fixture
def fresh_clone(lab4, tmp_path) -> Path:
    """A teammate's clone of the lab's repository at HEAD, data pulled: what guard tests may dirty."""
    dest = tmp_path / "clone"
    tools.git(tmp_path, "clone", "-q", str(lab4.project), str(dest))
    tools.dvc(dest, "pull", "-q")
    return dest


# -- the README and the checks -------------------------------------------------------------------
@pytest.mark.harness
def test_checks_fail_against_an_empty_server(lab4):
    by_name = {r.name: r for r in lab4.empty_results}
    assert by_name["server answers /health and the tracking API"].ok
    assert not by_name[f"experiment '{EXPERIMENT}' exists"].ok
    failed = [r.name for r in lab4.empty_results if not r.ok]
    assert len(failed) == len(lab4.empty_results) - 1, f"only these failed on an empty server: {failed}"


def test_readme_runs_as_written(lab4, lab_report):
    lab_report(lab4.report)  # reports/lab4.json and the end-of-session table: the run's own report
    assert lab4.readme_error is None, str(lab4.readme_error)
    statuses = {s.where: s.status for s in lab4.docs.steps}
    assert all(v in ("passed", "skipped") for v in statuses.values()), statuses
    # every README block ran: each one the runner would run passed, each skip is a documented skip
    runnable = [b for b in lab4.docs.blocks if b.action in ("run", "file", "background")]
    assert sum(v == "passed" for v in statuses.values()) == len(runnable), statuses
    assert any("7006" in k for k in lab4.docs.applied), "the port substitution was not reported"


def test_lab_checks_pass(lab4, readme_ok):
    failed = [f"{r.name}: {r.detail}" for r in lab4.results if not r.ok]
    assert not failed, "\n".join(failed)
    assert [r.name for r in lab4.results] == [c.name for c in checks.suite.checks], "not every check ran"


def test_best_run_and_clone_as_the_harness_sees_them(lab4, readme_ok):
    failed = [f"{r.name}: {r.detail}" for r in lab4.harness_results if not r.ok]
    assert not failed, "\n".join(failed)


def test_scenario_covers_model_types_and_data_versions(client, readme_ok):
    runs = originals(client)
    assert len(runs) == 6
    assert {params(r)["model"] for r in runs} == {"elasticnet", "random_forest", "gradient_boosting"}
    assert len({tags(r)["dvc_md5"] for r in runs}) == 2
    assert len({tags(r)["git_commit"] for r in runs}) == 2


def test_fresh_clone_and_dvc_pull_restore_the_data_byte_for_byte(lab4, readme_ok, fresh_clone):
    original = (lab4.project / "data" / "wine.csv").read_bytes()
    assert (fresh_clone / "data" / "wine.csv").read_bytes() == original
    assert tools.file_md5(fresh_clone / "data" / "wine.csv") == tools.recorded_md5(fresh_clone / "data" / "wine.csv.dvc")


def test_best_run_is_reproduced_exactly(lab4, client, readme_ok):
    best = originals(client)[0]
    assert (lab4.project / "best_run.txt").read_text().strip() == best["info"]["run_id"]
    copies = [r for r in experiment_runs(client) if tags(r).get(REPRO_TAG) == best["info"]["run_id"]]
    assert len(copies) == 1
    copy = copies[0]
    assert metrics(copy) == metrics(best)  # exactly, not just within 1e-9
    assert params(copy) == params(best)
    for key in ("dvc_md5", "git_commit", "mlflow.source.git.commit"):
        assert tags(copy)[key] == tags(best)[key], key
    assert tags(copy)["mlflow.source.git.commit"] == tags(best)["git_commit"]


def test_run_commit_matches_git_rev_parse(lab4, client, readme_ok):
    heads = {tools.git(lab4.project, "rev-parse", "HEAD"), tools.git(lab4.project, "rev-parse", "HEAD~1")}
    for run in originals(client):
        t = tags(run)
        assert t["git_commit"] == t["mlflow.source.git.commit"]
        assert t["git_commit"] in heads
        # and that commit's .dvc file records the data the run says it used
        dvc_text = tools.git(lab4.project, "show", f"{t['git_commit']}:data/wine.csv.dvc")
        assert f"md5: {t['dvc_md5']}" in dvc_text


# -- guards ---------------------------------------------------------------------------------------
def test_uncommitted_code_change_is_refused_before_training(lab4, client, fresh_clone, readme_ok):
    before = len(experiment_runs(client))
    with open(fresh_clone / "train.py", "a") as fh:
        fh.write("# an uncommitted tweak\n")
    p = train(fresh_clone, lab4.uri)
    assert p.returncode == 2, p.stdout + p.stderr
    assert "Uncommitted changes to tracked files: train.py" in p.stderr
    assert "git stash" in p.stderr and "git commit" in p.stderr
    assert len(experiment_runs(client)) == before, "a run was logged despite the refusal"


def test_data_edited_without_dvc_add_is_refused_with_the_fix(lab4, client, fresh_clone, readme_ok):
    before = len(experiment_runs(client))
    data = fresh_clone / "data" / "wine.csv"
    data.write_text("".join(data.read_text().splitlines(keepends=True)[:-1]))  # drop one wine
    p = train(fresh_clone, lab4.uri)
    assert p.returncode == 2, p.stdout + p.stderr
    assert "changed without `dvc add`" in p.stderr
    assert "dvc add data/wine.csv" in p.stderr and "dvc checkout --force data/wine.csv" in p.stderr
    assert len(experiment_runs(client)) == before, "a run was logged despite the refusal"
    # the fix in the message works
    tools.dvc(fresh_clone, "checkout", "--force", "data/wine.csv")
    assert tools.file_md5(data) == tools.recorded_md5(fresh_clone / "data" / "wine.csv.dvc")


def test_dirty_run_is_tagged_and_reproduce_refuses_it(lab4, client, fresh_clone, readme_ok):
    with open(fresh_clone / "train.py", "a") as fh:
        fh.write("# an uncommitted tweak\n")
    p = train(fresh_clone, lab4.uri, "--allow-dirty", "--model", "elasticnet", "--alpha", "0.3",
              "--run-name", "dirty-run")
    assert p.returncode == 0, p.stdout + p.stderr
    exp = client.experiment_by_name(EXPERIMENT)
    [run] = client.search_runs([exp["experiment_id"]], filter="attributes.run_name = 'dirty-run'")
    assert tags(run)["git_dirty"] == "true" and "train.py" in tags(run)["git_dirty_files"]
    # MLflow on its own records HEAD and nothing else: without the lab's tag the run would look clean
    assert tags(run)["mlflow.source.git.commit"] == tools.git(fresh_clone, "rev-parse", "HEAD")
    source = {k: v for k, v in tags(run).items() if k.startswith("mlflow.source.")}
    assert "mlflow.source.git.commit" in source and not [k for k in source if "dirty" in (k + source[k]).lower()]
    r = mlflow_labs("reproduce", run["info"]["run_id"], "--tracking-uri", lab4.uri, "--repo", str(fresh_clone))
    assert r.returncode == 2, r.stdout + r.stderr
    assert "uncommitted changes" in r.stderr and "cannot be reproduced" in r.stderr
    assert not client.search_runs([exp["experiment_id"]], filter=f"tags.{REPRO_TAG} = '{run['info']['run_id']}'")


# -- reproduction failure modes -----------------------------------------------------------------
# These tests tamper with a COPY of an original run (made through the REST API, tagged COPY_TAG), never
# with the originals the other tests read: each test holds whatever order the tests run in.
def api(uri: str, endpoint: str, body: dict) -> dict:
    r = requests.post(f"{uri}/api/2.0/mlflow/runs/{endpoint}", json=body, timeout=30)
    assert r.status_code == 200, r.text
    return r.json()


def copy_run(uri: str, run: dict, *, metric_changes: dict | None = None, tag_changes: dict | None = None) -> str:
    """A new run in the same experiment with the original's params, metrics and (lab) tags, changed as asked."""
    now = int(time.time() * 1000)
    kept = {k: v for k, v in tags(run).items() if not k.startswith("mlflow.") or k == "mlflow.source.git.commit"}
    new_tags = {**kept, **(tag_changes or {}), COPY_TAG: run["info"]["run_id"]}
    created = api(uri, "create", {"experiment_id": run["info"]["experiment_id"], "start_time": now,
                                  "run_name": f"copy-of-{run['info']['run_name']}"})
    rid = created["run"]["info"]["run_id"]
    api(uri, "log-batch", {
        "run_id": rid,
        "params": [{"key": k, "value": v} for k, v in params(run).items()],
        "metrics": [{"key": k, "value": v, "timestamp": now, "step": 0}
                    for k, v in {**metrics(run), **(metric_changes or {})}.items()],
        "tags": [{"key": k, "value": v} for k, v in new_tags.items()]})
    api(uri, "update", {"run_id": rid, "status": "FINISHED", "end_time": now})
    return rid


@pytest.mark.harness
def test_reproduce_shows_a_metric_mismatch_and_exits_1(lab4, client, readme_ok, tmp_path):
    runs = originals(client)
    best_md5 = tags(runs[0])["dvc_md5"]
    # a run on the other data version, so both versions are restored by some reproduction
    victim = next(r for r in runs if tags(r)["dvc_md5"] != best_md5)
    vid = copy_run(lab4.uri, victim, metric_changes={"rmse": metrics(victim)["rmse"] + 1e-6})
    r = mlflow_labs("reproduce", vid, "--tracking-uri", lab4.uri, "--repo", str(lab4.project),
                    "--workdir", str(tmp_path))
    assert r.returncode == 1, r.stdout + r.stderr
    rows = {line.split("  ")[0]: line for line in r.stdout.splitlines()}
    assert rows["metric rmse"].rstrip().endswith("DIFFERENT")
    assert rows["metric r2"].rstrip().endswith("equal")
    assert rows["data md5 (dvc_md5)"].rstrip().endswith("equal")
    assert "NOT REPRODUCED" in r.stdout
    # the clone really went to that run's commit and data version
    checkout = tmp_path / "checkout"
    assert tools.git(checkout, "rev-parse", "HEAD") == tags(victim)["git_commit"]
    assert tools.file_md5(checkout / "data" / "wine.csv") == tags(victim)["dvc_md5"]


@pytest.mark.harness
def test_reproduce_refuses_a_data_hash_the_commit_does_not_record(lab4, client, readme_ok):
    victim = originals(client)[-1]
    vid = copy_run(lab4.uri, victim, tag_changes={"dvc_md5": "0" * 32})
    r = mlflow_labs("reproduce", vid, "--tracking-uri", lab4.uri, "--repo", str(lab4.project))
    assert r.returncode == 2, r.stdout + r.stderr
    assert f"records md5 {tags(victim)['dvc_md5']}" in r.stderr and "0" * 32 in r.stderr


@pytest.mark.harness
def test_originals_are_untouched_by_the_failure_mode_tests(lab4, client, readme_ok):
    """Whatever ran before: the six original runs hold what the README's training logged."""
    runs = originals(client)
    assert len(runs) == 6
    for run in runs:
        assert tools.is_md5(tags(run)["dvc_md5"])
        assert len([m for m in client.metric_history(run["info"]["run_id"], "rmse")]) == 1


def test_reproduce_unknown_run_says_so(lab4):
    r = mlflow_labs("reproduce", "0" * 32, "--tracking-uri", lab4.uri, "--repo", str(lab4.project))
    assert r.returncode == 2
    assert f"There is no run {'0' * 32}" in r.stderr


def test_reproduce_wrong_repo_names_the_commit(lab4, client, readme_ok, tmp_path):
    other = tmp_path / "other"
    other.mkdir()
    tools.git(other, "init", "-q")
    tools.run([tools.git_executable(), "commit", "-q", "--allow-empty", "-m", "unrelated"], other, what="git commit",
              env=tools.with_git_identity(tools.tool_env()))
    best = originals(client)[0]
    r = mlflow_labs("reproduce", best["info"]["run_id"], "--tracking-uri", lab4.uri, "--repo", str(other))
    assert r.returncode == 2
    assert tags(best)["git_commit"] in r.stderr and "--repo must be the repository" in r.stderr
