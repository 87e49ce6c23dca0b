"""Faults while writers log: the database stopped and started again; the server SIGKILLed and restarted.

Both keep writers running through the fault (bounded by count and time), then read everything back:
every value acknowledged before, during and after the fault must be stored. The timeline of calls
gives the figures: how long clients saw errors (outage seconds) and how long after the fault ended
the first write was accepted again (recovery seconds).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from mlflow_labs.errors import StartupError
from mlflow_labs.harness.net import port_in_use, wait_until
from mlflow_labs.infra.mlflow_server import MlflowServer
from mlflow_labs.infra.postgres import LocalPostgres
from mlflow_labs.lab6.load import REQUEST_TIMEOUT, LoadResult, Writers, verify

# "Errors, not hangs": during a fault the server must answer each call with an error within a few seconds
# (the client's own timeout, REQUEST_TIMEOUT, is far longer, so a hanging server shows as "timeout" or slow).
ERROR_BOUND_S = 5.0
# failed calls must overlap the fault: from its start to this long after it ended (the pool reconnecting)
AFTER_FAULT_GRACE_S = 5.0


@dataclass
class FaultResult:
    load: LoadResult
    fault_s: float = 0.0        # how long the fault lasted (database down / server down)
    outage_s: float = 0.0       # first to last failed call, as the writers saw it
    recovery_s: float = 0.0     # from the end of the fault to the first accepted write after it
    restarted_server: bool = False
    fault_window: tuple[float, float] = (0.0, 0.0)  # (start, end) of the fault, seconds on the writers' clock
    failed_calls: list = field(default_factory=list, repr=False)  # (started, ended, kind) of each failed call

    def figures(self) -> dict:
        return {**self.load.figures(), "fault_s": self.fault_s, "outage_s": self.outage_s,
                "recovery_s": self.recovery_s, "server_restarted": self.restarted_server,
                "fault_window_s": list(self.fault_window),
                "failed_calls_outside_window": len(self.failed_calls) - len(self.failed_inside())}

    def failed_inside(self) -> list:
        start, end = self.fault_window
        return [c for c in self.failed_calls if c[1] >= start and c[0] <= end + AFTER_FAULT_GRACE_S]

    def line(self) -> str:
        return (f"{self.load.summary()}; fault {self.fault_s:.1f} s, clients saw errors for {self.outage_s:.1f} s, "
                f"first accepted write {self.recovery_s:.1f} s after the fault ended, slowest failing call "
                f"{self.load.slowest_error_s:.1f} s")


def hang_problems(f: FaultResult) -> list[str]:
    """What contradicts "errors, not hangs" in a fault run, one sentence each (empty: the claim holds):
    no call failed at all, a call timed out on the client's side, a failing call kept its client waiting
    longer than ERROR_BOUND_S, or a call failed outside the fault's window."""
    problems = []
    if not f.failed_calls:
        problems.append("no call failed: the fault did not happen while the writers logged")
    timeouts = f.load.errors.get("timeout", 0)
    if timeouts:
        problems.append(f"{timeouts} call(s) got no answer within the client's {REQUEST_TIMEOUT:.0f} s timeout: "
                        f"the server hung instead of answering an error")
    if f.load.slowest_error_s > ERROR_BOUND_S:
        problems.append(f"a failing call kept its client waiting {f.load.slowest_error_s:.1f} s "
                        f"(more than {ERROR_BOUND_S:.0f} s): an error should come at once")
    start, end = f.fault_window
    inside = f.failed_inside()
    outside = [c for c in f.failed_calls if c not in inside]
    if outside:
        shown = ", ".join(f"{kind} at {a:.1f}-{b:.1f} s" for a, b, kind in outside[:3])
        problems.append(f"{len(outside)} call(s) failed outside the fault ({start:.1f}-{end:.1f} s, plus "
                        f"{AFTER_FAULT_GRACE_S:.0f} s to reconnect): {shown}")
    return problems


def _timeline_figures(w: Writers, fault_end: float) -> tuple[float, float]:
    fails = [t for t, ok in w.timeline if not ok]
    outage = (max(fails) - min(fails)) if fails else 0.0
    after = [t for t, ok in w.timeline if ok and t >= fault_end]
    recovery = (min(after) - fault_end) if after else -1.0
    return round(outage, 2), round(recovery, 2)


MAX_VALUES = 2000  # per writer: a cap; the writers are stopped a few seconds after the fault ends


def _writers(uri: str, exp_id: str, label: str, writers: int) -> Writers:
    # paced, and stopped by the scenario: they log before, during and after the fault
    return Writers(uri, exp_id, writers=writers, values=MAX_VALUES, pace=0.05, deadline_s=240, label=label)


def postgres_outage(server_uri: str, exp_id: str, pg: LocalPostgres, *, down_s: float = 10.0, writers: int = 8,
                    before_s: float = 3.0, after_s: float = 8.0, progress=print) -> FaultResult:
    """Stop PostgreSQL (pg_ctl stop -m fast) for ``down_s`` while writers log; start it again.

    The MLflow server is NOT restarted: its connection pool must recover on its own."""
    w = _writers(server_uri, exp_id, "pg-outage", writers).start()
    time.sleep(before_s)
    t_stop = time.monotonic() - w._t0
    progress(f"stopping PostgreSQL for {down_s:.0f} s while {writers} writers log")
    pg.executor.stop()
    time.sleep(down_s)
    pg.executor.start()
    t_start = time.monotonic() - w._t0
    progress("PostgreSQL started again; writers continue")
    time.sleep(after_s)
    w.stop()
    res = w.join()
    outage, recovery = _timeline_figures(w, t_start)
    return FaultResult(verify(res, server_uri), fault_s=round(t_start - t_stop, 2), outage_s=outage,
                       recovery_s=recovery, fault_window=(round(t_stop, 3), round(t_start, 3)),
                       failed_calls=list(w.failed_calls))


def server_kill(server: MlflowServer, exp_id: str, *, writers: int = 8, before_s: float = 3.0, after_s: float = 8.0,
                progress=print) -> tuple[FaultResult, MlflowServer]:
    """SIGKILL the server's whole process group mid-logging, start a new one on the same database and port."""
    w = _writers(server.uri, exp_id, "server-kill", writers).start()
    time.sleep(before_s)
    t_kill = time.monotonic() - w._t0
    progress("SIGKILL to the MLflow server's process group while writers log")
    server.process.kill()
    server.process = None
    try:  # the killed workers let go of the listening socket a moment later
        wait_until(lambda: (None, "in use") if port_in_use(server.port) else (True, "free"), timeout=30,
                   interval=0.2, what=f"port {server.port} to be free")
    except StartupError:
        pass  # as before: the new server's own start names the port still taken
    new = type(server)(server.backend_store_uri, port=server.port, workdir=server.workdir,
                       artifacts_destination=server.artifacts_destination, workers=server.workers,
                       extra_args=server.extra_args, uri_in_env=server.uri_in_env, progress=progress).start()
    t_up = time.monotonic() - w._t0
    progress(f"MLflow server restarted on the same database after {t_up - t_kill:.0f} s")
    time.sleep(after_s)
    w.stop()
    res = w.join()
    outage, recovery = _timeline_figures(w, t_up)
    return FaultResult(verify(res, new.uri), fault_s=round(t_up - t_kill, 2), outage_s=outage, recovery_s=recovery,
                       restarted_server=True, fault_window=(round(t_kill, 3), round(t_up, 3)),
                       failed_calls=list(w.failed_calls)), new
