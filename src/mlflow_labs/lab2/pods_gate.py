"""The chart's dbchecker init container gating MLflow, watched on podman (lab 3 on Kubernetes, ERRATA 3).

MLflow's pod is played with `postgres` resolving to the pod's own loopback, where nothing listens on 5432 (a
closed database port, deterministically: on podman's network an unused pod IP may still accept TCP
connections). While `kube play` waits with the init container, both containers are sampled.

The watch ends on the event, not after a fixed time (it waited 45 s before):
- proved: dbchecker has logged its wait WAITS times (a failed check, its sleep, another failed check: about
  3 s after it starts), and in every sample up to then, the last taken after that log was read, MLflow's
  container had not started;
- disproved: MLflow's container started, dbchecker ended, or kube play ended before dbchecker ran;
- at the latest BOUND_S, which only a stuck podman reaches.
kube play waits as long as dbchecker does and outlives a `kube down` of its pod: it is stopped, then the pod
is removed.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

from mlflow_labs.harness.suite import CheckResult, require
from mlflow_labs.infra import podman as pm
from mlflow_labs.lab2.pods_run import row

WAITS = 2             # dbchecker's wait lines that prove it loops while MLflow waits
WAIT_LINE = "Unable to access database"
BOUND_S = 120         # the watch's upper bound
NOT_STARTED = ("created", "configured", "absent")   # podman's states of a container that has not run yet
PROVED = "dbchecker logged its wait"


@dataclass
class GateWatch:
    samples: list = field(default_factory=list)   # (seconds since kube play, dbchecker's state, mlflow's state)
    waits: list = field(default_factory=list)     # dbchecker's wait lines, as logged
    ended: str = ""                               # the event that ended the watch
    seconds: float = 0.0
    play: str = ""                                # what kube play did meanwhile

    def while_waiting(self) -> list[str]:
        return [m for _, c, m in self.samples if c == "running"]


def _verdict(w: GateWatch, checker: str, main: str, seen_running: bool, play_alive: bool) -> str:
    """The event that ends the watch now, or ''."""
    if main not in NOT_STARTED:
        return f"MLflow's container was {main}"
    if seen_running and checker != "running":
        return f"dbchecker ended ({checker})"
    if checker == "running" and len(w.waits) >= WAITS:
        return f"{PROVED} {len(w.waits)} times"
    if not play_alive and not seen_running:
        return "kube play ended before dbchecker ran"
    return ""


def watch(pods: pm.PodmanPods, docs: list[dict], progress: Callable[[str], None]) -> GateWatch:
    """Play MLflow's gated pod (``docs``: its rewritten manifests) and sample it until an event decides."""
    w = GateWatch()
    pod, play = pods.play_in_background("mlflow", docs)
    t0, seen_running = time.monotonic(), False
    try:
        while not w.ended:
            now = time.monotonic() - t0
            play_alive = play.alive()  # read before the states: a kube play that ended had made them
            checker = pods.state(pod, "dbchecker").get("Status", "absent")
            if checker == "running":
                seen_running = True
                w.waits = [ln.strip() for ln in pods.logs(pod, "dbchecker", 50).splitlines() if WAIT_LINE in ln]
            main = pods.state(pod, "mlflow").get("Status", "absent")   # read after the log, so it holds for it
            w.samples.append((round(now, 1), checker, main))
            w.ended = _verdict(w, checker, main, seen_running, play_alive) or (
                f"the bound ({BOUND_S} s) with no verdict" if now >= BOUND_S else "")
            if not w.ended:
                time.sleep(0.5)
    finally:
        w.seconds = time.monotonic() - t0
        w.play = (f"kube play still waiting for dbchecker when stopped at {w.seconds:.0f} s" if play.alive() else
                  f"kube play exited {play.returncode} within {w.seconds:.0f} s ({play.log_tail(1).strip()[:160]})")
        play.stop(timeout=10)
        pods.down("mlflow")
    progress(f"gate watch ended after {w.seconds:.1f} s: {w.ended}; samples (s, dbchecker, mlflow): {w.samples}")
    return w


def rows(w: GateWatch) -> list[CheckResult]:
    def gated():
        while_waiting = w.while_waiting()
        require(while_waiting, f"dbchecker was never seen running ({w.ended}): samples {w.samples[:10]}")
        started = [m for m in while_waiting if m not in NOT_STARTED]
        require(not started, f"MLflow's container was {started[0] if started else ''} while dbchecker was still waiting")
        require(w.ended.startswith(PROVED), f"the gate was not shown holding: {w.ended}; samples {w.samples[-5:]}")
        return (f"postgres -> 127.0.0.1 in the pod (nothing listens on 5432): {w.ended} in {w.seconds:.0f} s, and in "
                f"all {len(while_waiting)} samples while it waited MLflow's container was never started (last: "
                f"'{w.samples[-1][2]}'); {w.play}")

    def checker_waits():
        require(len(w.waits) >= WAITS, f"dbchecker logged its wait {len(w.waits)} times, not {WAITS} ({w.ended})")
        return w.waits[-1]
    return [row("database port closed: MLflow's container is not started while dbchecker waits", gated),
            row("dbchecker logs that it is waiting for postgres:5432", checker_waits)]
