"""Lab 3 on Kubernetes on pods: PostgreSQL as a pod from postgres.yaml, the README's SQL through `podman exec
... psql`, the chart with values-postgres.yaml and the password file; the dbchecker init container holds MLflow
back while the database port is closed (lab2/pods_gate.py); the run (and its row) survives the MLflow pod; no
password on any command line (sampled from /proc during the run)."""

from __future__ import annotations

import base64
import re

import yaml

from mlflow_labs.errors import StartupError
from mlflow_labs.harness.cmdline_watch import CommandLineWatch
from mlflow_labs.harness.net import wait_until
from mlflow_labs.harness.readme.steps import Substitution
from mlflow_labs.harness.suite import require
from mlflow_labs.infra import podman as pm
from mlflow_labs.lab2 import SPEC, pods_gate
from mlflow_labs.lab2 import chart as cv
from mlflow_labs.lab2.pod_images import CHART_DBCHECKER_IMAGE, dbchecker_image, postgres_image
from mlflow_labs.lab2.pods_run import PodsRun, row

PSQL_IN_POD = r"kubectl -n mlflow exec -i deployment/postgres -- psql"


class Lab3K8sPodsRun(PodsRun):
    lab = "lab3-kubernetes"

    def __init__(self, **kw):
        kw.setdefault("report_name", "lab3-kubernetes")
        super().__init__(**kw)
        self.readme = SPEC.borrowed("lab3-kubernetes") / "README.md"
        self.watch = CommandLineWatch()  # every command line while the steps run
        self.secrets: list[str] = []

    def setup(self) -> None:
        super().setup()
        with self.phase("images"):
            self.images[CHART_DBCHECKER_IMAGE] = dbchecker_image(self.progress)
            self.pg_image = postgres_image(self.progress)
        self.watch.start()

    def teardown(self) -> None:
        self.watch.stop()
        super().teardown()

    # -- PostgreSQL as a pod ------------------------------------------------------------------------
    def start_postgres(self) -> pm.Pod:
        docs = [d for d in yaml.safe_load_all((self.readme.parent / "postgres.yaml").read_text()) if d]
        # README step 4's `kubectl create secret generic postgres-admin --from-file=...` as the Secret it makes
        admin = (self.docs.cwd / "postgres-admin-password").read_text().strip()
        docs.append({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "postgres-admin"},
                     "data": {"POSTGRES_PASSWORD": base64.b64encode(admin.encode()).decode()}})
        image = next(c["image"] for d in docs if d["kind"] == "Deployment"
                     for c in d["spec"]["template"]["spec"]["containers"])
        _, pod_docs = self.pods.pod_manifest(docs, pm.PodPlan("postgres", images={image: self.pg_image}))
        return self.wait_postgres(self.pods.play("postgres", pod_docs))

    def wait_postgres(self, pod: pm.Pod) -> pm.Pod:
        failed = f"PostgreSQL in pod {pod.name} was not ready within 180 s.\n"

        def ready():
            res = pm.podman("exec", pod.container("postgres"), "pg_isready", "-h", "127.0.0.1", "-U", "postgres",
                            check=False, timeout=30)
            if res.returncode == 0:
                return pod, "ready"
            if self.pods.state(pod, "postgres").get("Status") not in ("running", None):  # it stopped: no use waiting
                raise StartupError(failed + self.pods.describe(pod))
            return None, (res.stdout + res.stderr).strip()[:200] or f"pg_isready exited {res.returncode}"
        return wait_until(ready, timeout=180, what=f"PostgreSQL in pod {pod.name}",
                          on_timeout=lambda _: failed + self.pods.describe(pod))

    def psql(self, sql: str) -> str:
        pod = self.pods.pods["postgres"]
        return pm.podman("exec", pod.container("postgres"), "psql", "-U", "postgres", "-d", "mlflow", "-tAc", sql,
                         timeout=60).stdout.strip()

    # -- the steps -----------------------------------------------------------------------------------
    def notes_rejected(self, rejected: cv.HelmInvocation) -> str:
        try:
            cv.render(rejected, cwd=self.docs.cwd, chart=self.chart)
        except cv.RenderError as exc:
            require("Additional property backend is not allowed" in exc.helm_message, exc.helm_message)
            return exc.helm_message.splitlines()[-1]
        raise AssertionError("helm template accepted the notes' --set backend.store.postgres.* keys")

    def steps(self) -> None:
        # README step 3 as written: the passwords, kept off the command line
        with self.phase("passwords and PostgreSQL pod"):
            self.run_blocks(self.block_line("token_urlsafe"))
            self.secrets = [(self.docs.cwd / f).read_text().strip()
                            for f in ("mlflow-db-password", "postgres-admin-password")]
            pg = self.start_postgres()
            pg_ip = self.pods.pod_ip(pg)
        with self.phase("SQL (README step 5)"):
            self.docs.add_substitution(Substitution(
                re.escape(PSQL_IN_POD), f"podman exec -i {pg.container('postgres')} psql",
                f"`{PSQL_IN_POD}` -> `podman exec -i {pg.container('postgres')} psql` (the PostgreSQL pod on podman)"))
            self.run_blocks(self.block_line("", file="init-k8s.sql"), self.block_line(PSQL_IN_POD))
        invs = cv.helm_invocations(self.readme)
        with self.phase("render (helm template)"):
            rejected = next(i for i in invs if i.expect_rejected)
            self.check("Helm (ERRATA 2)", [row(f"{rejected.where}: Helm rejects the notes' keys",
                                               lambda: self.notes_rejected(rejected))])
            rendered = self.helm_step(next(i for i in invs if not i.expect_rejected), cwd=self.docs.cwd)
        with self.phase("init container gates start"):
            _, docs = self.pods.pod_manifest(rendered.docs, self.mlflow_plan({"postgres": "127.0.0.1"}))
            gate = pods_gate.rows(pods_gate.watch(self.pods, docs, self.progress))
        with self.phase("pod start"):
            pod = self.start_mlflow(rendered, host_aliases={"postgres": pg_ip})
            state = self.pods.state(pod, "mlflow")

            def serves():
                require(state.get("Status") == "running", str(state))
                return (f"mlflow started {state.get('StartedAt', '')[:19]} after dbchecker finished (podman removes a "
                        f"finished init container); /health OK at {self.uri}")
            gate.append(row("database port open: MLflow's container starts and serves", serves))
            self.check("podman (ERRATA 3)", gate)
        with self.phase("notes' run through the pod"):
            self.run_blocks(self.block_line("", file="train.py"), self.block_line("python train.py"))
            self.run_id_logged = (self.docs.cwd / "run_id.txt").read_text().strip()
        with self.phase("checks"):
            self.checks_through_pod("lab2/checks.py", run_id=self.run_id_logged, artifacts=False)
        with self.phase("pod deleted and replaced"):
            self.replace_mlflow_pod()
        with self.phase("checks after pod replacement"):
            self.survived()
        self.watch.stop()
        self.check("ps", [row("no password on any command line during the steps", self.no_password)])

    def survived(self) -> None:
        after = self.checks_through_pod("lab2/checks.py expect=present", run_id=self.run_id_logged, artifacts=False)
        if not all(r.ok for r in after):
            self.progress(self.pods.describe(self.pods.pods["mlflow"]))
            self.report.error = "after the pod replacement:\n" + self.pods.describe(self.pods.pods["mlflow"])
        self.run_blocks(self.block_line("survived the pod"))
        rid = self.run_id_logged

        def row_in_postgres():
            got = self.psql(f"SELECT count(*) FROM runs WHERE run_uuid = '{rid}'")
            require(got == "1", f"runs rows for {rid}: {got}")
            return f"1 row in mlflow.runs for {rid}"
        self.check("PostgreSQL", [row("the run's row is in PostgreSQL's runs table", row_in_postgres)])

    def no_password(self) -> str:
        hits = [text.replace(s, "<PASSWORD>")[:200] for text in self.watch.seen().values()
                for s in self.secrets if s in text]
        require(self.watch.samples > 0, "no command lines were sampled")
        require(self.secrets, "no password was read from the README's files")
        require(not hits, f"a password was on a command line: {hits[:3]}")
        return f"{self.watch.samples} samples of every process's command line; no password seen"
