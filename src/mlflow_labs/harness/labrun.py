"""The one lab-run skeleton: setup, README steps, checks, teardown, for every lab.

`mlflow-labs run labN` and the end-to-end tests drive the SAME object, so the learner's command is
proven on its success path. A lab subclasses `LabRun` and fills in the phases; `execute()` is the
policy every lab shares:

- each phase is timed into the report (`self.phase(name)`);
- ANY exception ends the run with a one-paragraph error in the report (never a traceback for the
  learner), and the report still lists every step and check that ran;
- infra is always torn down in `finally`, unless ``keep`` (then `kept()` says what was left where);
- the README steps, substitutions and check results land in the report exactly once.

Tests may instead use the run as a context manager and call its phases one by one; `close()` is the
same teardown.
"""

from __future__ import annotations

import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Callable

from mlflow_labs.harness.readme.runner import ReadmeRunner
from mlflow_labs.errors import LabError
from mlflow_labs.harness.report import Report
from mlflow_labs.harness.spec import LabSpec

# The phase in which a lab starts, itself and in the README block's place, a server the README asks the
# learner to start (lab 4's Step 1): scripts/bench counts it as the documented steps' time, not overhead.
README_SERVER_START = "server start"


def _quiet(_msg: str) -> None:
    pass


class LabRun:
    """One pass through one lab. Subclasses set ``spec`` (their lab's SPEC) and override `setup`, `steps`,
    `teardown`. The run is handed its README: ``readme`` (another copy: the README-mutation tests), else the spec's."""

    lab = ""  # the report name (unless ``report_name`` is set); default: the spec's name
    spec: LabSpec | None = None  # the lab's LabSpec: its folder and README

    def __init__(self, *, spec: LabSpec | None = None, readme: Path | None = None,
                 progress: Callable[[str], None] | None = print, keep: bool = False,
                 workdir: Path | None = None, infra: str | None = None, report_name: str | None = None):
        self.spec = spec or self.spec
        if not self.lab and self.spec:
            self.lab = self.spec.name
        self.readme = Path(readme) if readme else (self.spec.readme if self.spec else None)
        self.progress = progress or _quiet
        self.keep = keep
        self.infra_choice = infra
        self._own_workdir = workdir is None
        self.workdir = Path(workdir) if workdir else Path(tempfile.mkdtemp(prefix=f"{self.lab}-"))
        self.report = Report(report_name or self.lab)
        self.docs: ReadmeRunner | None = None
        self._checks: list[tuple[str, list]] = []
        self._closed = False

    # -- what a lab fills in ---------------------------------------------------------------------
    def setup(self) -> None:
        """Start what the README does not start itself (a database, a cluster); build ``self.docs``."""

    def steps(self) -> None:
        """The README's blocks in order, with the checks between them (`self.check(...)`)."""
        raise NotImplementedError

    def teardown(self) -> None:
        """Stop what setup started. Must be safe to call after a failure at any point."""

    def kept(self) -> str:
        """What --keep-infra left running, for the learner (where and how to reach it)."""
        return f"work dir {self.workdir}"

    # -- helpers for subclasses ------------------------------------------------------------------
    @contextmanager
    def phase(self, name: str):
        self.progress(f"{self.lab}: {name}")  # what the learner waits for, as it starts
        with self.report.phase(name):
            yield

    def check(self, where: str, results: list) -> list:
        """Record check results (a CheckSuite's list) under ``where``; returns them for assertions."""
        self._checks.append((where, results))
        return results

    # -- the policy ------------------------------------------------------------------------------
    def execute(self) -> Report:
        """The whole lab: setup, steps, teardown; the report always written, whatever failed."""
        try:
            with self.phase("setup"):
                self.setup()
            self.steps()
        except LabError as exc:
            self.report.error = str(exc)
        except Exception as exc:  # noqa: BLE001 - the policy: one paragraph, never a traceback
            self.report.error = (f"{type(exc).__name__}: {exc}. This is a harness or lab bug, not a step you "
                                 f"got wrong; rerun with --keep-infra to inspect, and report it with reports/{self.report.lab}.json.")
        finally:
            self.close()
        return self.report

    def close(self) -> None:
        """Teardown (unless keep) and fold the README steps and checks into the report, once."""
        if self._closed:
            return
        self._closed = True
        try:
            if self.keep:
                if self.docs:  # its README ran all the same (harness/cost.py)
                    self.docs.count_run()
                self.progress(f"--keep-infra: left running: {self.kept()}")
            else:
                with self.phase("teardown"):
                    try:
                        self.teardown()
                    except Exception as exc:  # noqa: BLE001 - teardown must not hide the run's result
                        msg = f"teardown: {type(exc).__name__}: {exc}"
                        self.report.error = f"{self.report.error}\n{msg}" if self.report.error else msg
                    finally:
                        if self.docs:
                            self.docs.close()
                        if self._own_workdir:
                            shutil.rmtree(self.workdir, ignore_errors=True)
        finally:
            if self.docs:
                self.report.substituted_all(self.docs.applied)
                self.report.add_steps(self.docs.steps)
            for where, results in self._checks:
                self.report.add_checks(results, where)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
