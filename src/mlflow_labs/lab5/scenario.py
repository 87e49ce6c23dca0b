"""Lab 5: run the README (server, git repo, the story's four runs), then look at the UI in chromium."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from mlflow_labs.errors import LabError
from mlflow_labs.harness.readme.runner import ReadmeRunner
from mlflow_labs.harness.readme.steps import port_substitution
from mlflow_labs.harness.labrun import LabRun
from mlflow_labs.harness.net import free_port
from mlflow_labs.harness.report import Row
from mlflow_labs.harness.suite import CheckResult
from mlflow_labs.lab5 import checks, readme_ui
from mlflow_labs.lab5.html_report import write_html
from mlflow_labs.lab5 import SPEC
from mlflow_labs.settings import repo_root



class Lab5Run(LabRun):
    """`mlflow-labs run lab5` and tests/lab5: the README's own server on a free port, then the browser checks."""

    lab = "lab5"
    spec = SPEC

    def __init__(self, *, port: int | None = None, shots: Path | None = None, **kw):
        super().__init__(**kw)
        self.port = port or free_port()
        self.uri = f"http://127.0.0.1:{self.port}"
        self.shots = Path(shots) if shots else checks.default_shots_dir()
        self.results: list = []
        self.ui_done: list = []  # the README's UI words replayed (replay_readme_ui)

    def setup(self) -> None:
        # the README's own `mlflow-labs check lab5` step writes its screenshots inside the work dir,
        # so they never mix with the harness's under reports/lab5/
        self.docs = ReadmeRunner(self.readme, self.workdir,
                                 substitutions=[port_substitution(self.spec.port, self.port)],
                                 env={"MLFLOW_LABS_REPORTS": str(self.workdir / "reports")},
                                 display_root=repo_root(), progress=self.progress)

    def run_readme(self) -> None:
        with self.phase("steps"):
            self.docs.run()

    def run_browser_checks(self, **options) -> list:
        """The browser checks walked by the harness itself (a README copy without its check block)."""
        with self.phase("checks"):
            self.results = checks.run_checks(self.uri, shots=self.shots, report=self.report, **options)
        return self.check("lab5/checks.py", self.results)

    def readme_check_results(self) -> list:
        """The README's own `mlflow-labs check lab5` block walked the browser checks (its Chromium, its
        screenshots): the run takes its results (reports/check-lab5.json of the README's environment) instead
        of walking them a second time. The screenshots move to this run's folder, the details naming them."""
        with self.phase("checks"):
            found = self.workdir / "reports" / "check-lab5.json"
            if not found.exists():
                raise LabError(f"the README's `mlflow-labs check lab5` block left no results ({found}): the lab's "
                               f"README must end with that check")
            data = json.loads(found.read_text())
            self.shots.mkdir(parents=True, exist_ok=True)
            moved = {}
            for f in data["files"]:
                moved[f] = str(self.shots / Path(f).name)
                shutil.copy2(f, moved[f])
            results = []
            for r in data["results"]:
                for old, new in moved.items():
                    r["detail"] = r["detail"].replace(old, new)
                results.append(CheckResult(**r))
            self.results = results
            for phase, seconds in data["phases"].items():
                self.report.phases[phase] = round(self.report.phases.get(phase, 0) + seconds, 2)
            self.report.files.extend(p for p in moved.values() if p not in self.report.files)
        return self.check("lab5/checks.py", self.results)

    def replay_readme_ui(self) -> list:
        """The README's own words ("click **Compare**", "open the **Scatter Plot** tab") clicked in the
        browser (harness/ui_steps.py): a button the UI renamed fails at its README line."""
        readme = self.spec.readme  # the lab's own (a mutated copy is not what the screenshots document)
        source = str(readme.relative_to(repo_root()))
        with self.phase("README's UI words"):
            done = readme_ui.replay(self.uri, readme, self.shots, source=source, progress=self.progress)
        self.ui_done = done
        self.report.rows += [Row(f"{s.verb} {s.target}".strip(), s.where(source), "passed", 0.0) for s in done]
        return done

    def steps(self) -> None:
        self.run_readme()
        self.readme_check_results()
        self.replay_readme_ui()

    def kept(self) -> str:
        return f"server at {self.uri}, work dir {self.workdir}"


def run(progress=print, keep: bool = False, workdir=None, infra: str | None = None, shots=None):
    """``infra`` is accepted for a uniform CLI; lab 5's server is the README's own local process."""
    lab = Lab5Run(progress=progress, keep=keep, workdir=workdir, infra=infra, shots=shots)
    report = lab.execute()
    html = write_html(report, lab.shots)
    progress(f"report page with screenshots: {html}")
    return report
