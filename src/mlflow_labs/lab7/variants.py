"""The README's MLflow with settings changed, for the proofs that show a protection switched off.

An attack the lab's server refuses proves little until the same attack is seen working where the one
setting that stops it is changed. `mlflow_changed` stops the README's MLflow, starts it again from the
README's own serve-mlflow.sh with some `export NAME=...` lines changed or removed (same port, databases,
secrets and IdP, so every sign-in, token and session of the run is still there), and starts the
README's server again afterwards, whatever happened.
"""

from __future__ import annotations

import re
from contextlib import contextmanager

from mlflow_labs.harness import cost
from mlflow_labs.harness.net import wait_http
from mlflow_labs.harness.process import BackgroundProcess

SERVE_MLFLOW = "serve-mlflow.sh"


def change_exports(script: str, changes: dict[str, str | None]) -> str:
    """``script`` with each `export NAME=...` of ``changes`` set to its value, or removed when None; a name
    the script does not export is added before its last line (the `exec`)."""
    lines, seen = [], set()
    for line in script.splitlines():
        m = re.match(r"export (\w+)=", line)
        if m and m.group(1) in changes:
            seen.add(m.group(1))
            if changes[m.group(1)] is not None:
                lines.append(f"export {m.group(1)}={changes[m.group(1)]}")
            continue
        lines.append(line)
    added = [f"export {k}={v}" for k, v in changes.items() if k not in seen and v is not None]
    exec_at = max(i for i, ln in enumerate(lines) if ln.startswith("exec "))
    return "\n".join(lines[:exec_at] + added + lines[exec_at:]) + "\n"


@contextmanager
def mlflow_changed(run, changes: dict[str, str | None], *, why: str):
    """``run`` (a Lab7Run after its README servers started) with its MLflow restarted with ``changes``."""
    line = run.background_line(SERVE_MLFLOW)
    variant = run.docs.cwd / "serve-mlflow-variant.sh"
    variant.write_text(change_exports((run.docs.cwd / SERVE_MLFLOW).read_text(), changes))
    run.progress(f"lab7: MLflow restarted with {changes} ({why})")
    run.docs.stop_background(line)
    proc = BackgroundProcess(["bash", str(variant)], log_path=run.docs.workdir / "variant-mlflow.log",
                             cwd=run.docs.cwd, env=run.docs.env)
    try:
        cost.count(cost.SERVER, f"lab7 MLflow with {sorted(changes)}")   # and the README's again, by its executor
        proc.start()
        wait_http(f"{run.uri}/health", timeout=300, what=f"MLflow with {changes}", alive=proc.alive, log=proc.log_tail)
        yield proc
    finally:
        proc.stop()
        run.docs.restart_background(line)
        run.progress("lab7: the README's MLflow is back")
