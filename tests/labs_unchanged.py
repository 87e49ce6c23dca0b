"""A whole test session leaves `labs/` byte for byte as it found it: README mutations, near-miss states and
lab runs work on copies (a temp work dir, a copied README), never in the course itself.

At the session's start every file under labs/ is hashed (node_modules and __pycache__ aside: what
provisioning installs and Python caches, both git-ignored); at its end the files are hashed again, and
any file changed, added or removed is ONE failed test, `labs::unchanged by the session`, naming them: in
pytest's summary, the JUnit XML (so scripts/test counts it) and the verdict line. tests/conftest.py
registers this; `-p tests.labs_unchanged` does too (tests/unit/test_labs_unchanged.py runs it that way)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from mlflow_labs.settings import repo_root

IGNORED = {"node_modules", "__pycache__"}
NODEID = "labs::unchanged by the session"   # JUnit: class "labs", test "unchanged by the session"


def snapshot(labs: Path) -> dict[str, str]:
    """Relative path -> sha256 of every file under ``labs`` (IGNORED folders aside)."""
    out = {}
    for path in sorted(labs.rglob("*")):
        rel = path.relative_to(labs)
        if IGNORED & set(rel.parts) or not path.is_file():
            continue
        out[str(rel)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def differences(before: dict[str, str], after: dict[str, str]) -> list[str]:
    changed = [f"changed {p}" for p in before if p in after and before[p] != after[p]]
    added = [f"added {p}" for p in after if p not in before]
    removed = [f"removed {p}" for p in before if p not in after]
    return changed + added + removed


class LabsUnchanged:
    def __init__(self):
        self.labs: Path | None = None
        self.before: dict[str, str] = {}

    def pytest_sessionstart(self, session):
        self.labs = repo_root() / "labs"
        self.before = snapshot(self.labs)

    @pytest.hookimpl(tryfirst=True)   # before junitxml and the terminal summary read the results
    def pytest_sessionfinish(self, session):
        if self.labs is None:
            return
        found = differences(self.before, snapshot(self.labs))
        if not found:
            return
        shown = "; ".join(f"labs/{d.split(' ', 1)[1]} ({d.split(' ', 1)[0]})" for d in found[:10])
        more = f" and {len(found) - 10} more" if len(found) > 10 else ""
        message = (f"the session wrote into labs/: {shown}{more}. A test must work on a copy (tmp_path, a copied "
                   f"README), never in the course itself; restore with `git checkout -- labs` (`git clean -n labs` lists what was added).")
        report = pytest.TestReport(nodeid=NODEID, location=("labs", None, NODEID), keywords={}, outcome="failed",
                                   longrepr=message, when="call")
        session.config.hook.pytest_runtest_logreport(report=report)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def register(config) -> None:
    if not config.pluginmanager.has_plugin("mlflow-labs-labs-unchanged"):
        config.pluginmanager.register(LabsUnchanged(), "mlflow-labs-labs-unchanged")


def pytest_configure(config):   # `-p tests.labs_unchanged`
    register(config)
