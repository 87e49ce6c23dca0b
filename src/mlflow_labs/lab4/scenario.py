"""Lab 4: an MLflow server on SQLite, the README run as written (git, dvc, experiments, best run,
reproduction), then the lab's checks and the harness's own look at the best-run search.

`Lab4Run` is `mlflow-labs run lab4` (`run()` = `Lab4Run(...).execute()`); tests/lab4 drive the same
class phase by phase and keep its server for the module's guard and reproduction tests.
"""

from __future__ import annotations

import os
from pathlib import Path

from mlflow_labs.harness.client import metrics, params, tags
from mlflow_labs.harness.readme.runner import ReadmeRunner
from mlflow_labs.harness.readme.steps import port_substitution
from mlflow_labs.harness.labrun import README_SERVER_START, LabRun
from mlflow_labs.harness.suite import CheckSuite, require
from mlflow_labs.infra.mlflow_server import MlflowServer
from mlflow_labs.lab4 import checks, tools
from mlflow_labs.lab4.reproduce import REPRO_TAG
from mlflow_labs.lab4 import SPEC
from mlflow_labs.settings import repo_root

PROJECT = "wine-prediction-mlops"     # the folder the README copies project/ into (named like the experiment)
CLONE = "teammate-clone"              # the README's fresh git clone + dvc pull


class Lab4Run(LabRun):
    """The server and the README runner for one pass through the lab."""

    lab = "lab4"
    spec = SPEC

    def __init__(self, *, lab_dir: Path | None = None, **kw):
        super().__init__(**kw)
        self.lab_dir = Path(lab_dir) if lab_dir else self.spec.dir  # another copy: the mutation tests
        self.server: MlflowServer | None = None
        self.results: list = []          # lab4/checks.py after the README
        self.harness_results: list = []  # the harness suite below

    @property
    def uri(self) -> str:
        return self.server.uri

    @property
    def project(self) -> Path:
        return self.docs.workdir / PROJECT

    def setup(self) -> None:
        """Prerequisites (PrerequisiteMissing with the fix, before anything starts), the server, the README runner."""
        tools.git_executable(), tools.dvc_executable()
        env = tools.with_git_identity(tools.tool_env({**os.environ, "LAB_DIR": str(self.lab_dir)}))
        self.server = MlflowServer(f"sqlite:///{self.workdir / 'server' / 'mlflow.db'}", workdir=self.workdir / "server",
                                   workers=1, progress=self.progress)
        self.docs = ReadmeRunner(self.lab_dir / "README.md", self.workdir / "readme", env=env, display_root=repo_root(),
                                 substitutions=[port_substitution(SPEC.port, self.server.port)],
                                 progress=self.progress)
        self.docs.workdir.mkdir(parents=True, exist_ok=True)
        with self.phase(README_SERVER_START):  # the README's Step 1 server, in its block's place
            self.server.start()

    def reproduce_line(self) -> int:
        return next(b.line for b in self.docs.blocks if "mlflow-labs reproduce" in b.text and b.action == "run")

    def run_readme(self) -> None:
        """The README in three timed parts: up to the reproduction, the reproduction, the rest."""
        line = self.reproduce_line()
        with self.phase("steps"):
            self.docs.run(stop_before_line=line)
        with self.phase("reproduce"):
            self.docs.run(only_lines={line})
        with self.phase("steps"):
            self.docs.run(only_lines={b.line for b in self.docs.blocks if b.line > line})

    def run_checks(self) -> None:
        with self.phase("checks"):
            self.results = self.check("lab4/checks.py", checks.run_checks(self.uri, repo=self.project))
            self.harness_results = self.check("lab4/scenario.py", harness.run(self.uri, project=self.project))

    def steps(self) -> None:
        self.run_readme()
        self.run_checks()

    def teardown(self) -> None:
        if self.docs:
            self.docs.close()
        if self.server:
            self.server.stop()

    def kept(self) -> str:
        return f"server at {self.server.uri if self.server else '(not started)'}, work dir {self.workdir}"


# -- what the harness verifies itself, beyond lab4/checks.py ------------------------------------
harness = CheckSuite("lab4-harness")


@harness.check("best run found by the server's rmse ordering is the one best_run.py printed and was reproduced",
               hint="Step 8: best_run.py must order by metrics.rmse through the API")
def _best(ctx):
    client = ctx["client"]
    exp = client.experiment_by_name(checks.EXPERIMENT)
    require(exp, f"no experiment {checks.EXPERIMENT}")
    runs = client.search_runs([exp["experiment_id"]], filter="attributes.status = 'FINISHED'",
                              order_by=["metrics.rmse ASC", "attributes.start_time ASC"])
    originals = [r for r in runs if REPRO_TAG not in tags(r) and tags(r).get("git_dirty") == "false"]
    require(len(originals) >= 4, f"only {len(originals)} original runs; the README logs 6")
    best = originals[0]
    # the server's ordering, cross-checked by hand: nobody "remembers" the winner
    lowest = min(metrics(r)["rmse"] for r in originals)
    require(metrics(best)["rmse"] == lowest,
            f"server ordering put rmse {metrics(best)['rmse']} first, the lowest is {lowest}")
    printed = (ctx["project"] / "best_run.txt").read_text().strip()
    require(printed == best["info"]["run_id"],
            f"best_run.py printed {printed}, the API's best is {best['info']['run_id']}")
    copies = [r for r in runs if tags(r).get(REPRO_TAG) == printed]
    require(copies, f"no run tagged {REPRO_TAG}={printed}")
    data_versions = {tags(r)["dvc_md5"] for r in originals}
    models = {params(r)["model"] for r in originals}
    require(len(data_versions) == 2 and len(models) >= 3,
            f"expected runs over 2 data versions and 3 model types, got {len(data_versions)} and {sorted(models)}")
    ctx["best"] = best
    return (f"{len(originals)} runs over {len(data_versions)} data versions, models {sorted(models)}; best "
            f"{best['info']['run_name']} rmse={lowest!r}")


@harness.check("the teammate's git clone + dvc pull restored data v1 byte for byte",
               hint="Step 4: dvc push, then clone + dvc pull")
def _clone(ctx):
    clone, project = ctx["project"].parent / CLONE, ctx["project"]
    md5 = tools.recorded_md5(clone / "data" / "wine.csv.dvc")
    cached = tools.cache_object(project, md5)
    pulled = (clone / "data" / "wine.csv").read_bytes()
    require(cached.exists(), f"the original repo's DVC cache has no object {md5}")
    require(pulled == cached.read_bytes(), "the clone's data/wine.csv differs from the original's cached bytes")
    return f"{len(pulled)} bytes, md5 {md5}"
