"""Lab 1: run the README as written (a free port for 7006), check the run, restart the server, check again."""

from __future__ import annotations

from mlflow_labs.harness.readme.runner import ReadmeRunner
from mlflow_labs.harness.readme.steps import port_substitution
from mlflow_labs.harness.labrun import LabRun
from mlflow_labs.harness.net import free_port
from mlflow_labs.harness.report import Row
from mlflow_labs.harness.process import BackgroundProcess
from mlflow_labs.lab1 import checks
from mlflow_labs.lab1 import SPEC
from mlflow_labs.settings import repo_root



class Lab1Run(LabRun):
    """`mlflow-labs run lab1` and tests/lab1: the README's own `mlflow ui` on a free port."""

    spec = SPEC  # the run is named for it (LabRun.lab)

    def __init__(self, *, port: int | None = None, **kw):
        super().__init__(**kw)
        self.port = port or free_port()
        self.uri = f"http://127.0.0.1:{self.port}"

    def setup(self) -> None:
        self.docs = ReadmeRunner(self.readme, self.workdir,
                                 substitutions=[port_substitution(self.spec.port, self.port)],
                                 display_root=repo_root(), progress=self.progress)

    def run_readme(self) -> None:
        with self.phase("steps"):
            self.docs.run()

    def restart_server(self):
        """Stop the README's server and start it again with the same block (same SQLite file); a report
        row proves a NEW server answers (the old process group is gone, the new one is another)."""
        line = self.docs.background_lines()[0]
        old_pid = self.docs.background_process(line).pid
        with self.phase("server restart"):
            step = self.docs.restart_background(line)
        new = self.docs.background_process(line)
        replaced = new.alive() and new.pid != old_pid and not BackgroundProcess.group_alive(old_pid)
        self.report.rows.append(Row("a new server process answers after the restart", step.where,
                                    "passed" if replaced else "failed", 0.0,
                                    f"pid {old_pid} (stopped) -> {new.pid}" if replaced else
                                    f"pid {old_pid} -> {new.pid}: the old server is still running"))
        return step

    def steps(self) -> None:
        self.run_readme()
        with self.phase("checks"):
            self.check("lab1/checks.py", checks.run_checks(self.uri))
        self.restart_server()
        with self.phase("checks"):
            self.check("lab1/checks.py after restart", checks.run_checks(self.uri))

    def kept(self) -> str:
        return f"server at {self.uri}, work dir {self.workdir}"
