"""scripts/test's scheduler: tox envs side by side within the machine's cores, one readable summary.

Each env runs as `tox run -e ENV` (all in the one shared .venv), its whole output in reports/ENV.log,
its JUnit in reports/junit-ENV.xml and its step reports in reports/labN.json. The terminal gets one
line when an env starts and one when it ends, the log tail of any env that failed, a table, and last
the closing line 'N passed, N failed, N skipped (allowed: kind x5)' that CI reads. Exit status: 0 only
when every env passed at least one test, none failed, and every skip is on the list of skips allowed on
this kind of machine (tests/allowed-skips.toml, narrowed by MLFLOW_LABS_ALLOWED_SKIPS): any other skip
fails its env, naming the test and its reason.

Why not `tox p`: its non-tty output shows nothing of a passing env and interleaves nothing useful of
a failing one; here every env keeps a complete log, and the summary also carries the run's peak
memory (the sum over the process tree, sampled) for scripts/bench.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))   # the package's settings, also before .venv's editable install exists
from mlflow_labs import settings  # noqa: E402 - after the path it is found on
from mlflow_labs.errors import LabError  # noqa: E402
from mlflow_labs.harness import cost  # noqa: E402

try:  # MLFLOW_LABS_REPORTS, else reports/ in this checkout
    REPORTS = (ROOT / settings.current().reports).resolve()
except LabError:  # another setting is wrong: main() says which, in one paragraph, and stops
    REPORTS = ROOT / "reports"
# how the summary names that folder: relative inside the clone, else in full (MLFLOW_LABS_REPORTS)
SHOWN = f"{REPORTS.relative_to(ROOT)}/" if REPORTS.is_relative_to(ROOT) else f"{REPORTS}/"
ALLOWED_LIST = "tests/allowed-skips.toml"
# Longest env first (longest-processing-time first): with N envs at a time, a long env started last runs
# alone at the end while the other cores idle. Each run writes every env's seconds to this file; an env
# never measured here takes the table below (the last full .ci/run from a fresh clone, 2 at a time), and one in neither
# starts first (it may be long; a short one started early costs nothing).
MEASURED = "env-seconds.json"
STATIC_SECONDS = {"byhand": 358, "lab5": 285, "lab6": 225, "grade": 180, "lab2": 196, "lab7": 160, "lab3": 136,
                  "lab4": 110, "unit": 105, "lab1": 80}   # CI-10 (fresh clone, 2026-12-07), grade less its probe waits


def measured_seconds(reports: Path) -> dict[str, float]:
    try:
        return {k: float(v) for k, v in json.loads((reports / MEASURED).read_text()).items()}
    except (OSError, ValueError, AttributeError):  # none yet, or unreadable: the static table decides
        return {}


def longest_first(envs: list[str], measured: dict[str, float]) -> list[str]:
    known = {**STATIC_SECONDS, **measured}
    return sorted(envs, key=lambda e: -known.get(e, float("inf")))  # stable: ties keep tox.ini's order


def env_list() -> list[str]:
    # the default env_list of tox.ini (not `all`, which is everything again in one process)
    out = subprocess.run(["tox", "-qq", "list", "-d", "--no-desc"], cwd=ROOT, capture_output=True, text=True, check=True)
    return [e.strip() for e in out.stdout.splitlines() if e.strip()]


def junit_counts(env: str) -> dict | None:
    path = REPORTS / f"junit-{env}.xml"
    if not path.exists():
        return None
    t = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for suite in ET.parse(path).getroot().iter("testsuite"):
        for k in t:
            t[k] += int(suite.get(k, 0))
    failed = t["failures"] + t["errors"]
    return {"passed": t["tests"] - failed - t["skipped"], "failed": failed, "skipped": t["skipped"]}


class PeakMemory(threading.Thread):
    """Largest sum of RSS over this process's descendants (servers, pytest, tox), sampled every 2 s.
    Containers run under dockerd, outside this tree: not counted.

    Also the CPU an env's ORPHANS spent: a process an env started whose parent exited without waiting for it (a
    server `run --keep-infra` left for the tests, re-parented to init) is outside the tree wait4 counts. It still
    carries the env's MLFLOW_LABS_COST_FILE in its environment: its own CPU seconds, as last sampled, are added."""

    def __init__(self, markers: dict[str, str]):
        super().__init__(daemon=True)
        self.peak_mb = 0.0
        self._stop = threading.Event()
        self.markers = {env: f"MLFLOW_LABS_COST_FILE={path}".encode() for env, path in markers.items()}
        self.orphan_cpu: dict[str, dict[tuple, float]] = {env: {} for env in markers}
        self._owner: dict[tuple, str | None] = {}  # (pid, start time) -> the env whose marker it carries

    def run(self):
        try:
            import psutil
        except ImportError:
            return
        me = psutil.Process()
        while not self._stop.wait(2):
            total = 0
            tree = {me.pid}
            for p in me.children(recursive=True):
                tree.add(p.pid)
                try:
                    total += p.memory_info().rss
                except psutil.Error:
                    pass
            self.peak_mb = max(self.peak_mb, total / 2**20)
            self._sample_orphans(psutil, tree)

    def _sample_orphans(self, psutil, tree: set[int]) -> None:
        for p in psutil.process_iter():
            if p.pid in tree:
                continue
            try:
                key = (p.pid, p.create_time())
                if key not in self._owner:
                    environ = open(f"/proc/{p.pid}/environ", "rb").read()
                    self._owner[key] = next((env for env, m in self.markers.items() if m + b"\0" in environ + b"\0"), None)
                env = self._owner[key]
                if env:
                    t = p.cpu_times()
                    self.orphan_cpu[env][key] = t.user + t.system
            except (psutil.Error, OSError):
                continue

    def orphans(self, env: str) -> float:
        return sum(self.orphan_cpu.get(env, {}).values())

    def stop(self):
        self._stop.set()


def cost_file(env: str) -> Path:
    return REPORTS / f"cost-{env}.jsonl"


def reaped_cpu_seconds(proc: subprocess.Popen) -> float | None:
    """None while the env runs; once it ended, reap it and return the CPU seconds (user + system) of its whole
    process tree: wait4's rusage counts the env and every descendant that was waited for (pytest, servers,
    browsers, the README's commands)."""
    pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
    if pid == 0:
        return None
    proc.returncode = os.waitstatus_to_exitcode(status)
    return usage.ru_utime + usage.ru_stime


def skip_verdict(env: str, allowed):
    from mlflow_labs.harness.skips import judge, skips_in
    path = REPORTS / f"junit-{env}.xml"
    return judge(skips_in(path), allowed) if path.exists() else None


def main() -> int:
    ap = argparse.ArgumentParser(prog="scripts/test", description="Run the tox envs (default: all) and summarise.")
    ap.add_argument("-e", "--env", action="append", default=[], help="env(s) to run, e.g. -e lab1 or -e lab1,lab3")
    try:
        env_settings = settings.current()
    except LabError as exc:  # a bad MLFLOW_LABS_JOBS (or another setting): one paragraph, before anything runs
        print(f"error: {exc}", file=sys.stderr)
        return 2
    ap.add_argument("-j", "--jobs", type=int, default=env_settings.jobs,
                    help="envs at once (default 2 = this machine's cores; env MLFLOW_LABS_JOBS)")
    ap.add_argument("pytest_args", nargs="*", help="after --: passed to pytest in every env")
    args = ap.parse_args()
    envs = longest_first([e for arg in args.env for e in arg.split(",") if e] or env_list(), measured_seconds(REPORTS))
    jobs = max(1, min(args.jobs, len(envs)))

    from mlflow_labs.harness.skips import load as load_allowed_skips
    try:  # read first: a broken list or a wrong MLFLOW_LABS_ALLOWED_SKIPS must not cost a whole run
        allowed = load_allowed_skips(ROOT, env_settings.allowed_skips)
    except LabError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2

    REPORTS.mkdir(exist_ok=True)
    for env in envs:  # stale results of an env must not count for this run
        for stale in (REPORTS / f"junit-{env}.xml", REPORTS / f"{env}.log", REPORTS / f"{env}.json", cost_file(env)):
            stale.unlink(missing_ok=True)
    t0 = time.monotonic()

    def say(msg: str) -> None:
        print(f"[scripts/test +{time.monotonic() - t0:4.0f}s] {msg}", flush=True)

    # settle the shared env once (creates it on a bare tox; a cached no-op otherwise) so that envs
    # started side by side never install into it at the same time
    settle = subprocess.run(["tox", "run", "-e", envs[0], "--notest", "-qq"], cwd=ROOT, capture_output=True, text=True)
    if settle.returncode:
        print(settle.stdout[-3000:], settle.stderr[-3000:], sep="\n")
        say("the shared environment could not be prepared (output above)")
        print("0 passed, 1 failed, 0 skipped")
        return 1

    from importlib.metadata import version  # this Python is the shared env's, so this is what the labs run
    say(f"{len(envs)} env(s), {jobs} at a time, longest first: {', '.join(envs)}  (MLflow {version('mlflow')} in {sys.prefix}; "
        f"logs: {REPORTS}/<env>.log)")
    memory = PeakMemory({env: str(cost_file(env)) for env in envs})
    memory.start()
    pending, running, results = list(envs), {}, {}
    posargs = ["--", *args.pytest_args] if args.pytest_args else []
    while pending or running:
        while pending and len(running) < jobs:
            env = pending.pop(0)
            log = open(REPORTS / f"{env}.log", "w")
            # each env counts what its proofs cost (harness/cost.py) into a file of its own
            proc = subprocess.Popen(["tox", "run", "-e", env, *posargs], cwd=ROOT, stdout=log,
                                    stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                    env={**os.environ, "MLFLOW_LABS_COST_FILE": str(cost_file(env))})
            running[env] = (proc, log, time.monotonic())
            say(f"{env} started")
        time.sleep(0.5)
        for env, (proc, log, started) in list(running.items()):
            cpu = reaped_cpu_seconds(proc)
            if cpu is None:
                continue
            log.close()
            del running[env]
            counts = junit_counts(env)
            skips = skip_verdict(env, allowed)
            seconds = time.monotonic() - started
            if counts is None:
                verdict = "ERROR (pytest did not run; see the log)"
            elif counts["passed"] + counts["failed"] + counts["skipped"] == 0:
                verdict = "RAN NO TEST (pytest exit 5: nothing collected or all deselected)"
            elif proc.returncode or counts["failed"]:
                verdict = "FAILED"
            elif counts["passed"] == 0:
                verdict = "PASSED NONE (every test skipped)"
            elif skips and not skips.ok:
                verdict = f"FAILED ({len(skips.unlisted)} skip(s) not on {ALLOWED_LIST})"
            else:
                verdict = "passed"
            ok = verdict == "passed"
            results[env] = {"ok": ok, "verdict": verdict, "exit": proc.returncode, "seconds": round(seconds, 1),
                            **(counts or {"passed": 0, "failed": 0, "skipped": 0}),
                            "cpu_seconds": round(cpu + memory.orphans(env), 1),
                            "cost": cost.totals(cost.read(cost_file(env))),
                            "allowed_skips": dict(skips.allowed) if skips else {},
                            "unlisted_skips": [{"test": u.test, "reason": u.message} for u in skips.unlisted] if skips else []}
            c = results[env]
            say(f"{env} {verdict} in {seconds:.0f}s: {c['passed']} passed, {c['failed']} failed, {c['skipped']} skipped")
    memory.stop()
    wall = time.monotonic() - t0
    # the next run's order: the seconds of each env run whole now (no pytest options narrowing it, some
    # test run), the others' as last measured
    whole = {env: r["seconds"] for env, r in results.items() if not args.pytest_args and r["passed"] + r["failed"]}
    (REPORTS / MEASURED).write_text(json.dumps({**measured_seconds(REPORTS), **whole}, indent=2, sort_keys=True))

    for env in envs:
        r = results[env]
        if r["unlisted_skips"] and r["exit"] == 0 and not r["failed"]:
            # the log holds nothing wrong: say which skips failed the env, and how to allow one if it is right
            print(f"\n---- {env}: skipped tests not on {ALLOWED_LIST} (a skip is a path that did not run) ----")
            for u in r["unlisted_skips"]:
                print(f"  {u['test']}: {u['reason'][:400]}")
            print(f"  Fix what the reason names; or, if this machine truly cannot run it, add an [[allowed]] entry "
                  f"with its reason and why to {ALLOWED_LIST}.")
        elif not r["ok"]:
            lines = (REPORTS / f"{env}.log").read_text(errors="replace").splitlines()
            print(f"\n---- {env}: last {min(80, len(lines))} lines of {SHOWN}{env}.log ----")
            print("\n".join(lines[-80:]))

    # what each env's proofs cost besides time: MLflow server starts, README runs (whole/partial), browser
    # launches, and the CPU seconds of its process tree (containers run under their engine: not counted)
    print(f"\n{'env':8} {'result':8} {'passed':>6} {'failed':>6} {'skipped':>7} {'seconds':>8} {'cpu s':>7} "
          f"{'servers':>7} {'READMEs':>7} {'partial':>7} {'browsers':>8}")
    for env in envs:
        r, c = results[env], results[env]["cost"]
        print(f"{env:8} {'ok' if r['ok'] else 'FAILED':8} {r['passed']:6} {r['failed']:6} {r['skipped']:7} {r['seconds']:8.1f} "
              f"{r['cpu_seconds']:7.0f} {c[cost.SERVER]:7} {c[cost.README_WHOLE]:7} {c[cost.README_PARTIAL]:7} "
              f"{c[cost.BROWSER]:8}")
    total = {k: sum(r[k] for r in results.values()) for k in ("passed", "failed", "skipped")}
    # an unlisted skip counts as a failure, not a skip; an env that errored before pytest, ran nothing or
    # passed nothing counts once as failed, so the line cannot read green
    unlisted = sum(len(r["unlisted_skips"]) for r in results.values())
    total["failed"] += unlisted
    total["skipped"] -= unlisted
    total["failed"] += sum(1 for r in results.values() if not r["ok"] and r["failed"] == 0 and not r["unlisted_skips"])
    allowed_counts: dict[str, int] = {}
    for r in results.values():
        for name, n in r["allowed_skips"].items():
            allowed_counts[name] = allowed_counts.get(name, 0) + n
    spent = {k: sum(r["cost"][k] for r in results.values()) for k in cost.KINDS}
    print(f"wall {wall:.0f}s with {jobs} at a time; sum of env times {sum(r['seconds'] for r in results.values()):.0f}s; "
          f"CPU {sum(r['cpu_seconds'] for r in results.values()):.0f}s; "
          + "; ".join(f"{k} {v}" for k, v in spent.items()) + "; "
          f"peak memory of the process tree {memory.peak_mb:.0f} MB; reports in {SHOWN}")
    (REPORTS / "test-summary.json").write_text(json.dumps(
        {"jobs": jobs, "wall": round(wall, 1), "peak_rss_mb": round(memory.peak_mb), "envs": results, "total": total,
         "cost": spent, "cpu_seconds": round(sum(r["cpu_seconds"] for r in results.values()), 1),
         "allowed_skips": allowed_counts}, indent=2))
    shown = ", ".join(f"{n} x{c}" for n, c in sorted(allowed_counts.items()))
    print(f"{total['passed']} passed, {total['failed']} failed, {total['skipped']} skipped"
          + (f" (allowed: {shown})" if shown else ""))
    return 0 if all(r["ok"] for r in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
