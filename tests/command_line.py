"""`mlflow-labs ...` as a learner types it, for a test: the package's CLI in a process of its own (the same
interpreter, so the same install), what it printed and its exit status to assert on."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def cli(*args: str, env: dict | None = None, unset: tuple[str, ...] = (), cwd: Path | None = None,
        timeout: float = 300) -> subprocess.CompletedProcess:
    """`mlflow-labs ARGS`: this process's environment less every variable whose name starts with one of
    ``unset`` (what a learner's shell would not have), plus ``env``. Its stdin is closed: a prompt fails
    instead of waiting; past ``timeout`` the test fails (subprocess.TimeoutExpired)."""
    base = {k: v for k, v in os.environ.items() if not (unset and k.startswith(unset))}
    return subprocess.run([sys.executable, "-m", "mlflow_labs.cli", *args], capture_output=True, text=True,
                          env={**base, **(env or {})}, cwd=cwd, timeout=timeout, stdin=subprocess.DEVNULL)


def one_line_error(p: subprocess.CompletedProcess) -> str:
    """Bad input's promise: exit 2, no traceback, ONE line on stderr (returned, for what it must say)."""
    assert p.returncode == 2, (p.returncode, p.stdout, p.stderr)
    assert "Traceback" not in p.stdout + p.stderr, p.stdout + p.stderr
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1, p.stderr
    return lines[0]
