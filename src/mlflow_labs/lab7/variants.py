"""The README's servers with settings changed, for the proofs that show a protection switched off or at work.

An attack the lab's server refuses proves little until the same attack is seen working where the one
setting that stops it is changed. `mlflow_changed` stops the README's MLflow, starts it again from the
README's own serve-mlflow.sh with some `export NAME=...` lines changed or removed (same port, databases,
secrets and IdP, so every sign-in, token and session of the run is still there), and starts the
README's server again afterwards, whatever happened. `idp_changed` does the same for the README's IdP
(serve-idp.sh; idp.mjs reads the knobs the proofs set), and `second_idp` starts one more IdP from the same
script on a port of its own, beside the README's: another issuer.

The IdP keeps its sessions and its signing key in memory: after `idp_changed` the browser's IdP session
is gone and MLflow holds the variant's keys, so the README's IdP comes back followed by one sign-in spent
on the key change (lab7/security.py's `sign_in_after_key_change`).
"""

from __future__ import annotations

import re
import shlex
from contextlib import contextmanager
from pathlib import Path

from mlflow_labs.harness import cost
from mlflow_labs.errors import StartupError
from mlflow_labs.harness.net import free_port, wait_http
from mlflow_labs.harness.process import BackgroundProcess
from mlflow_labs.lab7 import security

SERVE_MLFLOW = "serve-mlflow.sh"
SERVE_IDP = "serve-idp.sh"
DISCOVERY = "/.well-known/openid-configuration"
IDP_START = 60   # seconds; node starts the IdP in about one


def change_exports(script: str, changes: dict[str, str | None]) -> str:
    """``script`` with each `NAME=...` of an `export` line in ``changes`` set to its value, or removed when
    None (`export A=1 B=2` keeps B when only A changes); a name the script does not export is added before
    its last line (the `exec`). Lines naming nothing in ``changes`` are kept as written."""
    lines, seen = [], set()
    for line in script.splitlines():
        m = re.match(r"export (\w+=.*)$", line)
        named = m and any(re.search(rf"\b{name}=", line) for name in changes)
        pairs = [word.split("=", 1) for word in shlex.split(m.group(1))] if named else []
        if not any(name in changes for name, _ in pairs):
            lines.append(line)
            continue
        seen.update(name for name, _ in pairs)
        kept = [f"{name}={shlex.quote(changes.get(name, value))}" for name, value in pairs
                if changes.get(name, value) is not None]
        if kept:
            lines.append("export " + " ".join(kept))
    added = [f"export {k}={shlex.quote(v)}" for k, v in changes.items() if k not in seen and v is not None]
    exec_at = max(i for i, ln in enumerate(lines) if ln.startswith("exec "))
    return "\n".join(lines[:exec_at] + added + lines[exec_at:]) + "\n"


def _state(pid: int | None) -> str:
    """What the kernel says a process is doing (a start that never answers: running, or asleep on what)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
        wchan = Path(f"/proc/{pid}/wchan").read_text().strip()
    except (OSError, TypeError):
        return f"process {pid}: gone"
    state = next((ln.split(":", 1)[1].strip() for ln in status.splitlines() if ln.startswith("State:")), "?")
    return f"process {pid}: {state}, waiting in {wchan or '-'}"


@contextmanager
def _serving(run, script: str, changes: dict[str, str | None], *, name: str, health: str, what: str,
             timeout: float, attempts: int = 1):
    """A server started from the README's ``script`` (in the lab's folder) with ``changes``, its log in
    ``<name>.log``; stopped on the way out. With ``attempts`` > 1, a start that is still running but never
    answered is stopped and started again (said in the progress with its process's state; each attempt's log is
    ``<name>-<attempt>.log`` after the first)."""
    variant = run.docs.cwd / f"{name}.sh"
    variant.write_text(change_exports((run.docs.cwd / script).read_text(), changes))
    proc = None
    try:
        for attempt in range(1, attempts + 1):
            log = run.docs.workdir / (f"{name}.log" if attempt == 1 else f"{name}-{attempt}.log")
            proc = BackgroundProcess(["bash", str(variant)], log_path=log, cwd=run.docs.cwd, env=run.docs.env)
            proc.start()
            try:
                wait_http(health, timeout=timeout, what=what, alive=proc.alive,
                          log=lambda p=proc: f"{p.log_tail()}\n{_state(p.pid)}")
                break
            except StartupError:
                if attempt == attempts or not proc.alive():
                    raise
                run.progress(f"lab7: {what} never answered in {timeout:.0f} s ({_state(proc.pid)}); "
                             f"stopped, starting it once more")
                proc.stop()
        yield proc
    finally:
        if proc:
            proc.stop()


@contextmanager
def _in_place_of(run, script: str, changes: dict[str, str | None], *, name: str, who: str, why: str,
                 health: str, timeout: float, attempts: int = 1, after=lambda: None):
    """The README's server started by ``script`` stopped, a variant with ``changes`` in its place (same port),
    and the README's started again whatever happened, then ``after()``."""
    line = run.background_line(script)
    run.progress(f"lab7: {who} restarted with {changes} ({why})")
    run.docs.stop_background(line)
    try:
        with _serving(run, script, changes, name=name, health=health,
                      what=f"{who} with {changes}", timeout=timeout, attempts=attempts) as proc:
            yield proc
    finally:
        run.docs.restart_background(line)
        after()
        run.progress(f"lab7: the README's {who.removeprefix('the ')} is back")


@contextmanager
def mlflow_changed(run, changes: dict[str, str | None], *, why: str):
    """``run`` (a Lab7Run after its README servers started) with its MLflow restarted with ``changes``."""
    cost.count(cost.SERVER, f"lab7 MLflow with {sorted(changes)}")   # and the README's again, by its executor
    with _in_place_of(run, SERVE_MLFLOW, changes, name="variant-mlflow", who="MLflow", why=why,
                      health=f"{run.uri}/health", timeout=300) as proc:
        yield proc


@contextmanager
def idp_changed(run, changes: dict[str, str | None], *, why: str):
    """``run`` with its IdP restarted with ``changes`` (same port: MLflow's discovery URL finds it); after
    the README's IdP is back, one sign-in is spent on the key change."""
    with _in_place_of(run, SERVE_IDP, changes, name="variant-idp", who="the IdP", why=why,
                      health=f"{run.idp}{DISCOVERY}", timeout=IDP_START, attempts=2,
                      after=lambda: security.sign_in_after_key_change(run.uri)) as proc:
        yield proc


@contextmanager
def second_idp(run, changes: dict[str, str | None], *, why: str):
    """One more IdP from the README's serve-idp.sh, on a free port (so another issuer,
    `http://localhost:<port>`), with ``changes`` too; yields its URL."""
    port = free_port()
    url = f"http://localhost:{port}"
    run.progress(f"lab7: a second IdP at {url} with {changes} ({why})")
    with _serving(run, SERVE_IDP, {**changes, "IDP_PORT": str(port)}, name="second-idp",
                  health=f"{url}{DISCOVERY}", what=f"a second IdP with {changes}", timeout=IDP_START,
                  attempts=2):
        yield url


SHARED_KEY_FILE = "idp-signing-key.json"   # in the lab's folder, mode 0600 (idp.mjs writes it), removed after


@contextmanager
def two_issuers_one_key(run, *, why: str):
    """The README's IdP restarted to keep its signing key in a file, and a second IdP signing with that same
    key under its own issuer (as one multi-tenant IdP's tenants do): a token from the second is genuine
    and verifies with the keys MLflow fetched, and differs from the README's IdP's only in `iss`.
    Yields the second IdP's URL (its issuer)."""
    key = {"IDP_SIGNING_KEY_FILE": SHARED_KEY_FILE}
    try:
        with idp_changed(run, key, why=why), second_idp(run, key, why=why) as other:
            yield other
    finally:
        (run.docs.cwd / SHARED_KEY_FILE).unlink(missing_ok=True)
