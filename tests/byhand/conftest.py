"""Learner replays: each README as a learner types it (src/mlflow_labs/harness/readme/replay.py)."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from mlflow_labs.byhand import replay
from mlflow_labs.harness.readme.learner_env import DOWNLOAD_CACHES
from mlflow_labs.labs import get_lab
from tests.readme_mutation import check_block_line


@pytest.fixture
def readme_copy():
    """A copy of a lab's folder at <tmp>/labs/<lab folder>/ (the replay's 'repo root' is <tmp>); returns
    (the copy's README, a function that replaces one README line and returns its line number). <tmp> is
    under /tmp and world-readable: an unprivileged learner (lab 3's local route) must read it."""
    tmp_path = Path(tempfile.mkdtemp(prefix="mlflow-labs-readme-copy-", dir="/tmp"))
    tmp_path.chmod(0o755)

    def make(lab: str):
        src = get_lab(lab).dir
        dest = tmp_path / "labs" / src.name
        shutil.copytree(src, dest)
        readme = dest / "README.md"

        def corrupt(old: str, new: str) -> int:
            lines = readme.read_text().splitlines(keepends=True)
            (i,) = [i for i, ln in enumerate(lines) if old in ln][:1] or [None]
            assert i is not None, f"{old!r} is not in {src / 'README.md'}"
            lines[i] = lines[i].replace(old, new)
            readme.write_text("".join(lines))
            return i + 1
        return readme, corrupt
    yield make
    shutil.rmtree(tmp_path, ignore_errors=True)


def assert_replayed(report, skips: int | None = None) -> list:
    """Passed, every step ran or was one of the allowed skips (by-hand=skip), each reported (and ``skips`` of
    them, when given). Returns the skipped rows."""
    assert report.ok, report.table()
    skipped = [r for r in report.rows if r.status == "skipped"]
    assert all(r.detail for r in skipped), report.table()
    assert skips is None or len(skipped) == skips, report.table()
    return skipped


def assert_only_ports_filled_in(report, *ports: int) -> None:
    """The replay changed nothing a learner types but the README's ports (to free ones) and its Ctrl+C; the
    one other row it may report is the shared download caches (what pip fetches, not what a learner types)."""
    assert report.substitutions, report.table()
    assert all(any(f"port {p}" in k for p in ports) or "Ctrl+C" in k or k == DOWNLOAD_CACHES
               for k in report.substitutions), report.substitutions


def unset(monkeypatch, *prefixes: str) -> None:
    """The test's own environment without the lab's variables (the replay's env is built from nothing
    anyway; this makes it plain)."""
    for key in [k for k in os.environ if k.startswith(prefixes)]:
        monkeypatch.delenv(key)


def assert_broken_line_fails_there(readme_copy, lab: str, command: str, broken: str, exited: int, progress) -> None:
    """A copy of LAB's README with ``command`` (a whole README command) changed to ``broken``: the replay
    fails at exactly that README:LINE, saying how ``broken`` exited, and runs nothing after it."""
    readme, corrupt = readme_copy(lab)
    line = corrupt(command, broken)
    report = replay(lab, readme=readme, progress=progress)
    assert not report.ok
    assert report.error.startswith(f"{readme}:{line}: `{broken}` exited {exited}"), report.error
    assert report.rows[-1].where == f"{readme}:{line}" and report.rows[-1].status == "failed", report.table()


def docker_ready_or_skip() -> None:
    from mlflow_labs.infra import docker_engine
    if not docker_engine.daemon_answers():
        pytest.skip("no Docker daemon answers (fix: sudo systemctl start docker, or sudo scripts/provision-docker)")


def assert_check_block_passed(report, lab: str) -> None:
    """The README's own `mlflow-labs check LAB` block (it exits 1 on any FAIL) ran in the replay and passed."""
    spec = get_lab(lab)
    where = f"labs/{spec.folder}/README.md:{check_block_line(spec.readme, lab)}"
    assert [r.status for r in report.rows if r.where == where] == ["passed"], report.table()
