"""Every lab graded the way a class hands it in, through the real CLI: a small class of a correct learner
(ann), a near-miss (ben: right except one thing, made by the lab's own near-miss builder), a stranger's
server (something else answers on the port) and a silent server. Each row is what that learner did; the
stores of the learners' servers (and lab 4's repository) are byte-for-byte what they were before the
class was graded; nothing the grader started is left running.

Labs 1-5 share the class server (each learner their own experiment); lab 6 has the README's basic-auth
server with each learner's own reader and writer. Lab 7's class is graded in the lab 7 env, on that session's
lab 7 run (tests/lab7/test_8_graded_as_a_class.py): its class is the servers the README started.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from mlflow_labs.infra.mlflow_server import MlflowServer
from tests.basic_auth import basic_auth_server, client_as_admin
from tests.nearmiss import lab1_states, lab2_states, lab3_states, lab4_states, lab5_states, lab6_states
from tests.nearmiss.world import World, not_mlflow

from .classes import (CLASS_PROBE_BOUND, LAB6_ROLES, SILENT, assert_rows, build, changed, grade, roster_credentials,
                      snapshot, store_of)

pytestmark = pytest.mark.grade

NOT_MLFLOW = "its tracking API answered HTTP 404"   # the stranger's server: /health OK, no tracking API


@pytest.fixture(scope="module")
def plain(class_server, tmp_path_factory):
    """The class server as a near-miss World (labs 1-5), with lab 4's repository and lab 5's committed train.py."""
    work = tmp_path_factory.mktemp("grade-class-labs")
    with not_mlflow() as elsewhere, ThreadPoolExecutor(1) as pool:
        versions = pool.submit(lab4_states.repository, work / "repo")
        commit = lab5_states.repository(work / "lab5-repo")
        (work / "files").mkdir()
        yield World(class_server.uri, elsewhere=elsewhere, repo=work / "repo", versions=versions.result(),
                    commit=commit, files=work / "files", browser=None)


def class_of(world, lab: str, correct, near_miss, experiment: str, silent: str, **extra) -> list[dict]:
    """The roster rows of the small class: ann correct, ben the near-miss, a stranger's server, a silent one."""
    rows = []
    for learner, builder in (("ann", correct), ("ben", near_miss)):
        built = build(world, learner, builder, experiment)
        rows.append({"learner": learner, "tracking_uri": built.get("uri", world.uri),
                     "experiment": built["experiment"], **extra.get(learner, {})})
    rows += [{"learner": "stranger", "tracking_uri": world.elsewhere}, {"learner": "silent", "tracking_uri": silent}]
    return rows


PLAIN = {  # lab -> (states, the near-miss, the check it fails first, time bound)
    "lab1": (lab1_states, lab1_states.NEAR_MISSES[lab1_states.PARAMS].build, lab1_states.PARAMS, 60),
    "lab2": (lab2_states, lab2_states.NEAR_MISSES[lab2_states.PARAMS].build, lab2_states.PARAMS, 60),
    "lab3": (lab3_states, lab3_states.NEAR_MISSES[lab3_states.METRICS].build, lab3_states.METRICS, 60),
    "lab4": (lab4_states, lab4_states.NEAR_MISSES[lab4_states.PREDICTS].build, lab4_states.PREDICTS, 120),
    "lab5": (lab5_states, lab5_states.NEAR_MISSES[lab5_states.ARTIFACTS].build, lab5_states.ARTIFACTS, 240),
}


@pytest.mark.parametrize("lab", sorted(PLAIN))
def test_a_class_of_a_plain_server_lab(lab, plain, class_server, hostile, tmp_path):
    from mlflow_labs.labs import LABS

    states, near_miss, fails, bound = PLAIN[lab]
    experiment = LABS[lab].checks().EXPERIMENT
    repo = plain.extra["repo"]
    # lab 4: ann's repository as a path, ben's as a git URL (both cloned read-only by the grader)
    extra = {"ann": {"repo": str(repo)}, "ben": {"repo": repo.as_uri()}} if lab == "lab4" else {}
    rows = class_of(plain, lab, states.correct, near_miss, experiment, hostile["silent"].uri, **extra)
    stores = [*store_of(class_server), repo]
    before = snapshot(*stores)
    graded = grade(lab, rows, tmp_path, bound=bound, probe_bound=CLASS_PROBE_BOUND)
    assert_rows(graded, {"ann": ("PASS", ""), "ben": ("FAIL", fails), "stranger": ("ERROR", NOT_MLFLOW),
                         "silent": ("ERROR", f"{SILENT} {CLASS_PROBE_BOUND} s")})  # the --probe-bound given
    assert changed(before, snapshot(*stores)) == [], "grading changed the learners' stores"
    assert graded.proc.returncode == 1
    if lab == "lab5":  # each learner's screenshots in their own folder, linked from the gradebook
        assert list((graded.out / "learners").glob("*-ann/lab5/04-compare.png")), graded.why()
        assert "learners/001-ann/lab5/04-compare.png" in (graded.out / "gradebook.html").read_text()


# -- lab 6: the README's basic-auth server, each learner with their own reader and writer ------------------
@pytest.fixture(scope="module")
def lab6_world(tmp_path_factory, progress):
    work = tmp_path_factory.mktemp("grade-class-lab6")
    env = lab6_states.server_env(work)
    with client_as_admin(env["MLFLOW_AUTH_ADMIN_PASSWORD"]):  # the states are logged as the admin
        with MlflowServer(f"sqlite:///{work / 'mlflow.db'}", workdir=work, progress=progress, env=env,
                          extra_args=["--app-name", "basic-auth"]) as server, not_mlflow() as elsewhere:
            world = World(server.uri, elsewhere=elsewhere, admin_password=env["MLFLOW_AUTH_ADMIN_PASSWORD"])
            world.stores = [*store_of(server), work / "basic_auth.db"]
            yield world


def test_a_lab6_class_each_with_their_own_credentials(lab6_world, hostile, tmp_path):
    world = lab6_world
    rows, env = [], {}
    for learner, builder in (("ann", lab6_states.correct), ("ben", lab6_states.NEAR_MISSES[lab6_states.WRITER].build)):
        built = build(world, learner, builder, lab6_states.checks.EXPERIMENT)
        columns, secret_env = roster_credentials(learner, built["env"], LAB6_ROLES)
        rows.append({"learner": learner, "tracking_uri": world.uri, "experiment": built["experiment"], **columns})
        env.update(secret_env)
    rows += [{"learner": "stranger", "tracking_uri": world.elsewhere},
             {"learner": "silent", "tracking_uri": hostile["silent"].uri}]
    before = snapshot(*world.stores)
    graded = grade("lab6", rows, tmp_path, env=env, probe_bound=CLASS_PROBE_BOUND)
    assert_rows(graded, {"ann": ("PASS", ""), "ben": ("FAIL", lab6_states.WRITER),
                         "stranger": ("FAIL", lab6_states.ANON), "silent": ("ERROR", SILENT)})
    assert changed(before, snapshot(*world.stores)) == [], "grading changed the learners' stores"
    for text in [graded.proc.stdout, graded.proc.stderr, *(f.read_text() for f in graded.out.iterdir() if f.is_file())]:
        assert not any(secret in text for secret in env.values())
