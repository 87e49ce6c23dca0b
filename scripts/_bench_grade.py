"""scripts/bench (g): grading a class, timed as an instructor runs it (`mlflow-labs grade`, a process of its
own), against the issue's targets. Each figure says its load: learners, servers, the bound, and the
machine's load average before and after. The class's work is written first (tests/grade's and the
near-miss builders: the same states the class tests grade), then one `grade` per figure.

  own_30       30 learners, each on their own lab 1 server (30 real MLflow servers)     target <= 30 s
  shared_200   200 learners, each their own experiment on one shared server            target <= 60 s
  lab6_30      30 lab 6 learners on one basic-auth server, each with their own reader
               and writer (their own users, passwords in their own variables)          target <= 60 s
  lab5_10      10 lab 5 learners (a browser each) on one server                        target <= 120 s
  hung_200     200 learners on one shared server that never answers                   target <= 2x the bound
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

TARGETS = {"own_30": 30, "shared_200": 60, "lab6_30": 60, "lab5_10": 120, "hung_200": None}


def _load() -> list[str]:
    return Path("/proc/loadavg").read_text().split()[:3] if Path("/proc/loadavg").exists() else []


def figures(res: dict, save, measure, root: Path, only: set[str] | None = None) -> dict:
    """Fills ``res`` figure by figure (saved after each: a server that fails to start keeps the earlier ones)."""
    sys.path.insert(0, str(root))  # the class's states are the tests' own (tests/grade, tests/nearmiss)
    from mlflow_labs.infra.mlflow_server import MlflowServer
    from tests.grade.classroom import STATES, log_lab1
    from tests.grade.conftest import write_roster
    from tests.grade.hostile import HostileServer

    work = Path(tempfile.mkdtemp(prefix="bench-grade-"))
    res["note"] = ("servers: MLflow 3.17 on SQLite, --workers 1; grade's defaults (16 workers, 60 s bound) unless "
                   "said; wall = the grade command, start to exit; load = /proc/loadavg before, after")

    def grade(name: str, lab: str, rows: list[dict], env: dict | None = None, bound: float | None = None) -> dict:
        roster = write_roster(work / f"{name}.csv", rows)
        before = _load()
        run = measure([sys.executable, "-m", "mlflow_labs.cli", "grade", lab, "--roster", roster, "--out",
                       str(work / name)] + (["--time-bound", str(bound)] if bound else []), cwd=root, env=env)
        last = [ln for ln in run["output"].splitlines() if "learners pass every check" in ln]
        res[name] = {"lab": lab, "learners": len(rows), "servers": len({r["tracking_uri"] for r in rows}),
                     "bound": bound or 60, "wall": run["wall"], "exit": run["exit"], "target": TARGETS[name],
                     "summary": last[-1] if last else run["output"][-400:], "peak_rss_mb": run["peak_rss_mb"],
                     "load_before": before, "load_after": _load()}
        save()
        return res[name]

    wanted = only or set(TARGETS)
    try:
        if "own_30" in wanted:
            with contextlib.ExitStack() as stack, ThreadPoolExecutor(6) as pool:
                t0 = time.monotonic()
                servers = list(pool.map(lambda i: stack.enter_context(MlflowServer(
                    f"sqlite:///{work / f'own-{i}.db'}", workdir=work / f"own-{i}", start_timeout=600)), range(30)))
                res["own_30_servers_start_s"] = round(time.monotonic() - t0, 1)
                list(pool.map(lambda i: log_lab1(servers[i].uri, "wine-prediction-mlops", STATES[i % len(STATES)]),
                              range(30)))
                grade("own_30", "lab1", [{"learner": f"own-{i:02d}", "tracking_uri": s.uri} for i, s in enumerate(servers)])
        if "shared_200" in wanted or "hung_200" in wanted:
            with MlflowServer(f"sqlite:///{work / 'shared.db'}", workdir=work / "shared") as shared, \
                    HostileServer("silent") as silent:
                names = [f"shared-{i:03d}" for i in range(200)]
                if "shared_200" in wanted:
                    with ThreadPoolExecutor(8) as pool:
                        list(pool.map(lambda i: log_lab1(shared.uri, names[i], STATES[i % len(STATES)]), range(200)))
                    grade("shared_200", "lab1", [{"learner": n, "tracking_uri": shared.uri, "experiment": n} for n in names])
                if "hung_200" in wanted:
                    grade("hung_200", "lab1", [{"learner": n, "tracking_uri": silent.uri, "experiment": n} for n in names])
                    res["hung_200"]["target"] = 2 * res["hung_200"]["bound"]
        if "lab6_30" in wanted:
            _lab6(work, grade)
        if "lab5_10" in wanted:
            _lab5(work, grade)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return res


def _lab6(work: Path, grade) -> None:
    """30 learners on the README's basic-auth server, each made by lab 6's near-miss builder (correct, or the
    writer granted READ), each with their own users and passwords in variables of their own."""
    from mlflow_labs.infra.mlflow_server import MlflowServer
    from tests.grade.classes import build
    from tests.grade.classes import LAB6_ROLES, roster_credentials
    from tests.nearmiss import lab6_states
    from tests.nearmiss.world import World

    env = lab6_states.server_env(work)
    os.environ.update(MLFLOW_TRACKING_USERNAME="admin", MLFLOW_TRACKING_PASSWORD=env["MLFLOW_AUTH_ADMIN_PASSWORD"])
    try:
        with MlflowServer(f"sqlite:///{work / 'lab6.db'}", workdir=work / "lab6", env=env,
                          extra_args=["--app-name", "basic-auth"]) as server:
            world = World(server.uri, admin_password=env["MLFLOW_AUTH_ADMIN_PASSWORD"])
            rows, secrets = [], {}
            for i in range(30):
                learner = f"l{i:02d}"
                builder = lab6_states.correct if i % 3 else lab6_states.NEAR_MISSES[lab6_states.WRITER].build
                built = build(world, learner, builder, lab6_states.checks.EXPERIMENT)
                columns, own = roster_credentials(learner, built["env"], LAB6_ROLES)
                rows.append({"learner": learner, "tracking_uri": server.uri, "experiment": built["experiment"], **columns})
                secrets.update(own)
            grade("lab6_30", "lab6", rows, env=secrets)
    finally:
        for k in ("MLFLOW_TRACKING_USERNAME", "MLFLOW_TRACKING_PASSWORD"):
            os.environ.pop(k, None)


def _lab5(work: Path, grade) -> None:
    """10 learners' README story (lab 5's near-miss builder, correct) on one server, each their own experiment."""
    from mlflow_labs.infra.mlflow_server import MlflowServer
    from tests.grade.classes import build
    from tests.nearmiss import lab5_states
    from tests.nearmiss.world import World

    commit = lab5_states.repository(work / "lab5-repo")
    (work / "lab5-files").mkdir()
    with MlflowServer(f"sqlite:///{work / 'lab5.db'}", workdir=work / "lab5") as server:
        world = World(server.uri, commit=commit, files=work / "lab5-files", browser=None)
        rows = []
        for i in range(10):
            built = build(world, f"l{i:02d}", lab5_states.correct, lab5_states.checks.EXPERIMENT)
            rows.append({"learner": f"l{i:02d}", "tracking_uri": server.uri, "experiment": built["experiment"]})
        grade("lab5_10", "lab5", rows)


def rows(g: dict) -> list[tuple[str, str]]:
    """The bench table's lines for (g)."""
    out = []
    for name, what in (("own_30", "30 learners, own lab 1 servers"), ("shared_200", "200 learners, one shared server"),
                       ("lab6_30", "30 lab 6 learners, own credentials"), ("lab5_10", "10 lab 5 learners (browser)"),
                       ("hung_200", "200 learners, one hung server")):
        f = g.get(name)
        if not f:
            continue
        out.append((f"(g) grade: {what}", f"{f['wall']:.1f} s (target <= {f['target']:.0f} s, bound {f['bound']:.0f} s; "
                    f"{f['learners']} learners on {f['servers']} server(s); load {'/'.join(f['load_before'])} -> "
                    f"{'/'.join(f['load_after'])}); {f['summary']}"))
    return out
