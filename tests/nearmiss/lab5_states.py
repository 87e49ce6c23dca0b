"""Lab 5's near-miss states: the README's four runs (its story: exp3 on the cleaned data wins), logged
through MLflow's client with what `python train.py` in a git repo records, one thing wrong at a time.
The checks look at them through the real UI in Chromium (the session the test module shares: the
builders return it as the ``session`` option, so every state goes through ONE browser)."""

from __future__ import annotations

import pickle
import time

from mlflow_labs.lab5 import checks
from tests.nearmiss import NearMiss

RUNS = "the experiment holds finished runs with the metric to compare"
MOVED = "the experiment opens on the GenAI Overview; 'Model training' leads to its runs"
BEST = f"sorted by {checks.METRIC} (descending), the UI lists the best run first"
OUTCOME = "the story: boosted trees on the cleaned data score best, and every clean-data run beats every raw one"
COMPARE = "(a) select runs, Compare: names, params and metrics side by side"
PLOTS = (f"(b) a scatter plot ({checks.SCATTER_PARAM} vs {checks.METRIC}) and a box plot "
         f"({checks.METRIC} by {checks.BOX_PARAM}) show the runs")
COMMIT = "(c) the run page shows the git commit the run was logged from"
ARTIFACTS = f"(d) the run's Artifacts view lists {checks.ARTIFACT}"
SYSTEM = "(e) the run page shows its duration and system info, and CPU and memory charts"
ALL = [RUNS, MOVED, BEST, OUTCOME, COMPARE, PLOTS, COMMIT, ARTIFACTS, SYSTEM]

# The README's train.py: run name, params, the accuracy it prints on this data (the best is exp3).
STORY = [
    ("exp1-random-forest", {"model": "random_forest", "data": "raw", "n_estimators": 10, "max_depth": 2}, 0.8333),
    ("exp2-logistic-regression", {"model": "logistic_regression", "data": "raw", "C": 0.1}, 0.5926),
    ("exp3-gradient-boosting-clean", {"model": "gradient_boosting", "data": "clean", "n_estimators": 50,
                                      "max_depth": 2}, 0.9630),
    ("exp4-gradient-boosting-tweak", {"model": "gradient_boosting", "data": "raw", "n_estimators": 100,
                                      "max_depth": 4}, 0.8148),
]
BEST_RUN = "exp3-gradient-boosting-clean"
SYS_TAGS = {"sys.os": "Linux-6.1.0-amd64-x86_64-with-glibc2.36", "sys.cpu_count": "2", "sys.memory_total_gb": "23.5"}
# what MLflow's system-metrics monitor samples once a second while a run is open (two of its metrics)
SYSTEM_METRICS = {checks.CPU: [12.5, 99.0, 37.25, 20.0], checks.MEMORY: [812.0, 845.5, 830.25, 828.0]}
RUN_SECONDS = 4.2  # train.py keeps each run open ~3 s past its fit so the monitor samples it


def repository(path) -> str:
    """A real git repository with train.py committed, as the README's step 2 makes: its commit."""
    from mlflow_labs.harness.tools import run_tool

    path.mkdir(parents=True, exist_ok=True)
    (path / "train.py").write_text("# the README's train.py\n")
    ident = ["-c", "user.name=Lab 5", "-c", "user.email=lab5@example.com"]
    for args in (["init", "-q"], ["add", "train.py"], [*ident, "commit", "-q", "-m", "train.py"]):
        run_tool(["git", *args], cwd=path, what="git (lab 5 near-miss repository)")
    return run_tool(["git", "rev-parse", "HEAD"], cwd=path, what="git rev-parse").stdout.strip()


def log_run(world, exp_id: str, name: str, params: dict, accuracy: float, *, status: str = "FINISHED",
            commit: bool = True, artifact: str = checks.ARTIFACT, system: bool = True) -> str:
    """One run as `python train.py` in a git repo leaves it: params, accuracy, sys.* tags, the source
    tags MLflow sets from the repo, CPU/memory sampled over the run's few seconds, and the pickled model."""
    from mlflow.entities import Metric, Param, RunTag

    c = world.client
    end = int(time.time() * 1000)
    start = end - int(RUN_SECONDS * 1000)
    tags = {"mlflow.source.name": "train.py", "mlflow.source.type": "LOCAL", **SYS_TAGS}
    if commit:
        tags |= {"mlflow.source.git.commit": world.extra["commit"], "mlflow.source.git.branch": "main"}
    rid = c.create_run(exp_id, run_name=name, start_time=start).info.run_id
    metrics = [Metric(checks.METRIC, accuracy, end - 500, 0)]
    if system:
        metrics += [Metric(key, v, start + 1000 * (step + 1) - 200, step)
                    for key, values in SYSTEM_METRICS.items() for step, v in enumerate(values)]
    c.log_batch(rid, metrics=metrics, params=[Param(k, str(v)) for k, v in params.items()],
                tags=[RunTag(k, v) for k, v in tags.items()])
    if artifact:
        path = world.extra["files"] / artifact
        path.write_bytes(pickle.dumps({"model": params["model"], "params": params}))
        c.log_artifact(rid, str(path))
    c.set_terminated(rid, status=status, end_time=end)
    return rid


def story(*, remembered: dict | None = None, rename: dict | None = None, drop_param: dict | None = None,
          statuses: dict | None = None, extra_run: tuple | None = None, retrain: dict | None = None, **best_changes):
    """A builder: the README's four runs (none of the keywords: the correct state). ``remembered``: what the
    checks' browser holds from before (run_checks' option); ``rename``/``statuses``/
    ``drop_param`` change the runs they name; ``retrain`` {name: (params changed, the accuracy it then
    scores)} tells another story; ``best_changes`` go to log_run for the best run only;
    ``extra_run`` (name, params, accuracy, status) is a fifth run."""
    def build(world) -> dict:
        exp_id = world.experiment(checks.EXPERIMENT)
        for name, params, accuracy in STORY:
            changed, accuracy = (retrain or {}).get(name, ({}, accuracy))
            params = {**params, **changed}
            params = {k: v for k, v in params.items() if k not in (drop_param or {}).get(name, ())}
            log_run(world, exp_id, (rename or {}).get(name, name), params, accuracy,
                    status=(statuses or {}).get(name, "FINISHED"), **(best_changes if name == BEST_RUN else {}))
        if extra_run:
            name, params, accuracy, status = extra_run
            log_run(world, exp_id, name, params, accuracy, status=status)
        return {"session": world.extra["browser"], **({"remembered": remembered} if remembered else {})}
    return build


correct = story()

# the check a near miss is about waits at most this long for what it looks for (the browser is warm and the
# page loaded: an element that is not there by then will not come); every other check keeps the session's 30 s
FAIL_FAST_MS = 5000

# Only what needs the missing thing fails with it: "cannot check ... (see the earlier failure)" (need()).
AFTER_RUNS = frozenset(set(ALL) - {RUNS})

NEAR_MISSES = {c.check: c for c in [
    NearMiss(RUNS, story(statuses={n: "FAILED" for n, _, _ in STORY if n != BEST_RUN}),
             "three of the four runs crashed (FAILED): one finished run, nothing to compare it with",
             also_fails=AFTER_RUNS),
    # No server state moves where MLflow 3.17 opens an experiment (an experiment tagged
    # mlflow.experimentKind=custom_model_development still opens on the Overview: tried); the browser's
    # remembered GenAI / Model training toggle does, which is what this check is about.
    NearMiss(MOVED, story(remembered={"mlflow.workflowType_v1": '"machine_learning"'}),
             "the browser remembers 'Model training' from an earlier visit: the experiment opens on its runs, not "
             "on the Overview the lab walks through"),
    NearMiss(BEST, story(extra_run=("exp5-crashed-tweak", {"model": "gradient_boosting", "data": "clean",
                                                           "n_estimators": 200, "max_depth": 4}, 0.99, "FAILED")),
             "a run that crashed (FAILED) logged a higher accuracy: sorted by accuracy it is the first row, "
             "not the best finished run"),
    # the README's outcome: the same four runs, the same UI, another winner. The accuracies are what the README's
    # train.py scores with the change made (sklearn's wine data, its fixed seeds)
    NearMiss(OUTCOME, story(retrain={"exp1-random-forest": ({}, 0.9630), "exp2-logistic-regression": ({}, 1.0),
                                   "exp4-gradient-boosting-tweak": ({}, 0.9074)}),
             "load() never put the glitches into the raw data (a typo in its `if data == \"raw\"`): every run "
             "trained on clean readings, and the logistic regression on 'raw' scores 100%, above the boosted trees"),
    NearMiss(COMPARE, story(rename={"exp4-gradient-boosting-tweak": "exp1-random-forest"}),
             "exp4 was logged under exp1's name: two columns named exp1-random-forest, one of them showing "
             "n_estimators=100 and the other run's accuracy"),
    NearMiss(PLOTS, story(drop_param={n: ("n_estimators",) for n, _, _ in STORY if n != BEST_RUN}),
             f"only the best run logged {checks.SCATTER_PARAM}: the scatter plot has one point, no trend"),
    NearMiss(COMMIT, story(commit=False),
             "train.py was run outside the git repo: the best run has no git commit to show"),
    NearMiss(ARTIFACTS, story(artifact="model.joblib"),
             f"the best run stored its model as model.joblib, not {checks.ARTIFACT}"),
    NearMiss(SYSTEM, story(system=False),
             "the best run was started without log_system_metrics=True: no CPU or memory charts"),
]}

# The story told other ways, each failing the same check alone: another model wins on the right data; the right
# winner, but a clean-data run below a raw one (no gap between the boxes)
EXTRA = [
    NearMiss(OUTCOME, story(retrain={"exp1-random-forest": ({"data": "clean", "n_estimators": 50, "max_depth": 4}, 1.0)}),
             "exp1's forest trained on the clean data with 50 trees of depth 4: a random forest wins (100%), "
             "not the boosted trees"),
    NearMiss(OUTCOME, story(retrain={"exp4-gradient-boosting-tweak": ({"data": "clean"}, 0.8148)}),
             "exp4 logged data=clean though it trained on the raw data (81%): the clean box reaches below the raw "
             "box's top (83%), no gap"),
]
