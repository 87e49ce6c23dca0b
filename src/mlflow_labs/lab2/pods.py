"""Lab 2 and Lab 3 on Kubernetes without a cluster: the real chart, rendered by real Helm, its pods run by Podman.

`mlflow-labs run lab2 --infra podman` (and `auto` where kind cannot run). The README's own
`helm install` command is rendered with `helm template` and exactly its flags (lab2/chart.py);
the Deployment's pod is played with `podman kube play` (infra/podman/), reached on a loopback
hostPort instead of `kubectl port-forward`; the README's own training and check blocks log the
notes' run through it. "Delete the pod" is `podman kube down` + `podman kube play` of the same pod.
Every change made to the rendered manifests is a substitution in the report.

Lab2PodsRun:     the run appears; after the pod is replaced it is gone (SQLite in the pod's emptyDir).
Lab3K8sPodsRun:  PostgreSQL as a pod from postgres.yaml, the README's SQL through `podman exec ... psql`,
                 the chart with values-postgres.yaml + the password file; the dbchecker init container
                 holds MLflow back while the database port is closed; the run (and its row) survives
                 the MLflow pod; no password on any command line (sampled from /proc during the run).
"""

from __future__ import annotations

import re
import threading
import time
from pathlib import Path

import yaml

from mlflow_labs import settings
from mlflow_labs.harness.cmdline_watch import CommandLineWatch
from mlflow_labs.harness.readme.runner import ReadmeRunner
from mlflow_labs.harness.readme.steps import Step, Substitution, port_substitution, timed
from mlflow_labs.errors import LabError, StartupError
from mlflow_labs.harness.labrun import LabRun
from mlflow_labs.harness.net import free_port, wait_until
from mlflow_labs.harness.suite import CheckFailed, CheckResult, require
from mlflow_labs.infra import podman as pm
from mlflow_labs.infra import sockets
from mlflow_labs.lab2 import chart as cv
from mlflow_labs.lab2 import checks
from mlflow_labs.lab2 import SPEC
from mlflow_labs.settings import repo_root

DOCUMENTED_PORT = 7006
CHART_MLFLOW_IMAGE = settings.DOCUMENTED_MLFLOW_IMAGE   # the chart's image (its appVersion)
CHART_DBCHECKER_IMAGE = "busybox:1.38.0"
GATE_BOUND_S = 45       # how long MLflow's container must stay unstarted while the database port is closed
READY_TIMEOUT_S = 300   # MLflow's first start in a pod under load (30-50 s measured, 2 shared cores)


def require_pods_prerequisites() -> None:
    cv.require_helm()
    pm.require_podman()


def pods_available() -> bool:
    try:
        require_pods_prerequisites()
        return True
    except LabError:
        return False


def _row(name: str, func, hint: str = "") -> CheckResult:
    t0 = time.monotonic()
    try:
        detail, ok = func(), True
    except (LabError, AssertionError, CheckFailed) as exc:  # require(): a check that `python -O` cannot strip
        detail, ok = str(exc), False
    return CheckResult(name, ok, str(detail), "" if ok else hint, time.monotonic() - t0)


class PodsRun(LabRun):
    """What both pods scenarios share: helm + podman, offline images, a README runner on a free port."""

    readme: Path
    release_deployment = "mlflow"

    def __init__(self, **kw):
        super().__init__(**kw)
        self.port = free_port()
        self.uri = f"http://127.0.0.1:{self.port}"
        self.pods: pm.PodmanPods | None = None
        self.images: dict[str, str] = {}
        self.run_id_logged = ""

    def setup(self) -> None:
        require_pods_prerequisites()
        self.chart = cv.chart_ref()
        self.docs = ReadmeRunner(self.readme, self.workdir / "docs",
                                 substitutions=[port_substitution(DOCUMENTED_PORT, self.port)],
                                 display_root=repo_root(), progress=self.progress)
        self.pods = pm.PodmanPods(self.workdir / "pods", prefix=self.lab.replace("-kubernetes", "k8s"),
                                  progress=self.progress, keep=self.keep)
        with self.phase("images"):
            self.images[CHART_MLFLOW_IMAGE] = self._image(settings.mlflow_image(), CHART_MLFLOW_IMAGE)

    def _image(self, wanted: str, chart_image: str) -> str:
        """The chart's image, or the offline one the settings select (loaded into podman from Docker)."""
        if wanted == chart_image:
            return chart_image  # online: podman pulls it as Kubernetes would
        return pm.ensure_image(wanted, self.progress)

    # -- README pieces --------------------------------------------------------------------------
    def block_line(self, needle: str, *, file: str | None = None) -> int:
        return (self.docs.find(file=file) if file else self.docs.find(text=needle)).line

    def run_blocks(self, *lines: int) -> None:
        self.docs.run(only_lines=set(lines))

    def helm_step(self, inv: cv.HelmInvocation, cwd: Path | None = None) -> cv.Rendered:
        """The README's helm command, rendered with `helm template` and its own flags, recorded as its step."""
        step = self.docs.record(Step(self.docs.display, inv.line, "run",
                                     f"{inv.command[:50]}… (rendered with helm template)"))
        with timed(step):
            rendered = cv.render(inv, cwd=cwd, chart=self.chart)
        kinds = ", ".join(sorted(d["kind"] for d in rendered.docs))
        step.status, step.note = "passed", f"`{' '.join(rendered.command[:3])} <chart> …` rendered: {kinds}"
        self.report.substituted(
            f"{inv.where}: `helm install|upgrade` -> `helm template` with the same -f/--set flags (no cluster to "
            f"install into; podman runs the rendered pods)", "helm install -> helm template")
        return rendered

    def start_mlflow(self, rendered: cv.Rendered, *, host_aliases: dict[str, str] | None = None) -> pm.Pod:
        plan = pm.PodPlan(self.release_deployment, host_port=("mlflow", "mlflow", self.port), images=self.images,
                          host_aliases=host_aliases or {})
        _, docs = self.pods.pod_manifest(rendered.docs, plan)
        pod = self.pods.play("mlflow", docs)
        took = self.pods.wait_http(pod, f"{self.uri}/health", "mlflow", timeout=READY_TIMEOUT_S)
        self.progress(f"MLflow in pod {pod.name} answers /health ({took:.0f} s after kube play)")
        return pod

    def replace_mlflow_pod(self) -> pm.Pod:
        """`kubectl delete pod` + the Deployment's replacement: kube down, kube play of the same manifest."""
        pod = self.pods.pods["mlflow"]
        self.pods.down("mlflow")
        self.pods.play("mlflow", list(yaml.safe_load_all(pod.manifest.read_text())))
        new = self.pods.pods["mlflow"]
        new.volumes |= pod.volumes
        self.pods.wait_http(new, f"{self.uri}/health", "mlflow", timeout=READY_TIMEOUT_S)
        return new

    def checks_through_pod(self, where: str, **opts) -> list[CheckResult]:
        """lab2/checks.py against the pod. Under heavy load uvicorn's supervisor may kill a starved worker
        ("Child process died") and reset a connection: if the server was unreachable, wait for /health and
        run the suite once more (a check that fails on a reachable server is never retried)."""
        results = checks.run_checks(self.uri, **opts)
        if any("Cannot reach the MLflow server" in r.detail for r in results if not r.ok):
            self.progress("the MLflow pod dropped a connection (a uvicorn worker restarted); checking again")
            self.pods.wait_http(self.pods.pods["mlflow"], f"{self.uri}/health", "mlflow", timeout=READY_TIMEOUT_S)
            results = checks.run_checks(self.uri, **opts)
        return self.check(where, results)

    # -- teardown ---------------------------------------------------------------------------------
    def teardown(self) -> None:
        if self.pods:
            self.pods.close()
            left = self.pods.leftovers()
            if left:
                raise LabError(f"podman cleanup left {', '.join(left)}; remove them with `podman pod rm -f` / "
                               f"`podman volume rm`.")

    def close(self) -> None:
        try:
            super().close()
        finally:
            if self.pods:
                self.report.substituted_all(self.pods.substitutions)

    def kept(self) -> str:
        names = ", ".join(p.name for p in self.pods.pods.values()) if self.pods else "none"
        return (f"pods {names} (remove: podman kube down <manifest> in {self.workdir / 'pods'}), "
                f"MLflow at {self.uri}, work dir {self.workdir}")


class Lab2PodsRun(PodsRun):
    lab = "lab2"

    def __init__(self, **kw):
        kw.setdefault("report_name", "lab2")  # what `mlflow-labs run lab2` and scripts/bench read
        super().__init__(**kw)
        self.readme = SPEC.readme

    def steps(self) -> None:
        inv = next(i for i in cv.helm_invocations(self.readme) if not i.expect_rejected)
        with self.phase("render (helm template)"):
            rendered = self.helm_step(inv)
        with self.phase("pod start"):
            self.start_mlflow(rendered)
            # ERRATA 7 on the host's sockets, not on the manifest: the pod's port is reachable from this machine only
            self.check("ss -ltn (ERRATA 7)", [_row(
                "the pod's published port listens on loopback only, nothing on 0.0.0.0",
                lambda: sockets.loopback_only(self.port, f"pod {self.pods.pods['mlflow'].name}"),
                hint="publish the pod's port on 127.0.0.1 (hostIP / --publish 127.0.0.1:...), never on every interface")])
        with self.phase("notes' run through the pod"):
            self.run_blocks(self.block_line("", file="train.py"), self.block_line("python train.py"),
                            self.block_line("mlflow-labs check lab2"))
            self.run_id_logged = (self.docs.cwd / "run_id.txt").read_text().strip()
        with self.phase("checks"):
            self.checks_through_pod("lab2/checks.py", run_id=self.run_id_logged)
        with self.phase("pod deleted and replaced"):
            self.replace_mlflow_pod()
        with self.phase("checks after pod replacement"):
            self.checks_through_pod("lab2/checks.py expect=lost", expect="lost", run_id=self.run_id_logged)
            self.run_blocks(self.block_line("RESOURCE_DOES_NOT_EXIST"))


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
            self.images[CHART_DBCHECKER_IMAGE] = pm.ensure_dbchecker_image(
                "mlflow-labs/debian:bookworm" if settings.postgres_image() != settings.DEFAULT_POSTGRES_IMAGE
                else "debian:bookworm", self.progress)
            self.pg_image = self._image(settings.postgres_image(), settings.DEFAULT_POSTGRES_IMAGE)
        self.watch.start()

    def teardown(self) -> None:
        self.watch.stop()
        super().teardown()

    # -- PostgreSQL as a pod ------------------------------------------------------------------------
    def start_postgres(self) -> pm.Pod:
        manifest = yaml.safe_load_all((self.readme.parent / "postgres.yaml").read_text())
        docs = [d for d in manifest if d]
        # README step 4's `kubectl create secret generic postgres-admin --from-file=...` as the Secret it makes
        admin = (self.docs.cwd / "postgres-admin-password").read_text().strip()
        import base64
        docs.append({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "postgres-admin"},
                     "data": {"POSTGRES_PASSWORD": base64.b64encode(admin.encode()).decode()}})
        image = next(c["image"] for d in docs if d["kind"] == "Deployment"
                     for c in d["spec"]["template"]["spec"]["containers"])
        plan = pm.PodPlan("postgres", images={image: self.pg_image})
        _, pod_docs = self.pods.pod_manifest(docs, plan)
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

    # -- the gate ----------------------------------------------------------------------------------
    def gate_closed(self, rendered: cv.Rendered) -> list[CheckResult]:
        """The MLflow pod with `postgres` resolving to the pod's own loopback, where nothing listens on 5432
        (a closed database port, deterministically: on this network an unused pod IP may still accept TCP
        connections). While `kube play` runs, the containers are sampled: MLflow's must not be started while
        dbchecker is waiting; the row says what kube play did by the bound (still waiting, or gave up)."""
        plan = pm.PodPlan(self.release_deployment, host_port=("mlflow", "mlflow", self.port), images=self.images,
                          host_aliases={"postgres": "127.0.0.1"})
        _, docs = self.pods.pod_manifest(rendered.docs, plan)
        outcome: dict[str, object] = {}

        def play():
            try:
                # bounded: with the port closed kube play waits as long as dbchecker does (for ever)
                self.pods.play("mlflow", docs, timeout=GATE_BOUND_S + 10)
            except StartupError as exc:
                outcome["error"] = str(exc).splitlines()[0]
            outcome["played_after"] = time.monotonic() - t0
        t0 = time.monotonic()
        worker = threading.Thread(target=play, daemon=True)
        worker.start()
        samples, waiting_log = [], ""
        while time.monotonic() - t0 < GATE_BOUND_S:
            pod = self.pods.pods.get("mlflow")
            if pod:
                checker = self.pods.state(pod, "dbchecker").get("Status", "absent")
                main = self.pods.state(pod, "mlflow").get("Status", "absent")
                samples.append((round(time.monotonic() - t0), checker, main))
                if checker == "running":
                    log = self.pods.logs(pod, "dbchecker", 3)
                    if "Unable to access database" in log:
                        waiting_log = log.splitlines()[-1]
            time.sleep(1)
        worker.join(timeout=30)  # kube play, still waiting for the init container, is stopped at its own bound
        pod = self.pods.pods["mlflow"]
        final = self.pods.state(pod, "mlflow").get("Status", "absent")
        while_waiting = [m for _, c, m in samples if c == "running"]

        def gated():
            require(while_waiting, f"dbchecker was never seen running: samples {samples[:10]}")
            started = [m for m in while_waiting if m not in ("created", "configured", "absent")]
            if started:
                raise CheckFailed(f"MLflow's container was {started[0]} while dbchecker was still waiting")
            after = (f"kube play gave up after {outcome.get('played_after', 0):.0f} s ({outcome['error']}); "
                     if "error" in outcome else f"kube play returned after {outcome.get('played_after', 0):.0f} s; "
                     if "played_after" in outcome else "kube play still waiting; ")
            if "timed out" in str(outcome.get("error", "")):
                after = f"kube play was still waiting for dbchecker when stopped at {GATE_BOUND_S + 10} s; "
            return (f"postgres -> 127.0.0.1 in the pod (nothing listens on 5432): in {len(while_waiting)} samples "
                    f"while dbchecker waited, MLflow's container was never started; {after}after {GATE_BOUND_S} s it is "
                    f"'{final}'")

        def checker_waits():
            require(waiting_log, "dbchecker's log never said it was waiting")
            return waiting_log
        rows = [_row("database port closed: MLflow's container is not started while dbchecker waits", gated),
                _row("dbchecker logs that it is waiting for postgres:5432", checker_waits)]
        self.progress(f"gate samples (s, dbchecker, mlflow): {samples}")
        self.pods.down("mlflow")
        worker.join(timeout=120)
        return rows

    def steps(self) -> None:
        # README step 3 as written: the passwords, kept off the command line
        with self.phase("passwords and PostgreSQL pod"):
            self.run_blocks(self.block_line("token_urlsafe"))
            self.secrets = [(self.docs.cwd / f).read_text().strip()
                                  for f in ("mlflow-db-password", "postgres-admin-password")]
            pg = self.start_postgres()
            pg_ip = self.pods.pod_ip(pg)
        with self.phase("SQL (README step 5)"):
            psql_in_pod = r"kubectl -n mlflow exec -i deployment/postgres -- psql"
            self.docs.add_substitution(Substitution(
                re.escape(psql_in_pod), f"podman exec -i {pg.container('postgres')} psql",
                f"`{psql_in_pod}` -> `podman exec -i {pg.container('postgres')} psql` (the PostgreSQL pod on podman)"))
            self.run_blocks(self.block_line("", file="init-k8s.sql"), self.block_line(psql_in_pod))
        invs = cv.helm_invocations(self.readme)
        with self.phase("render (helm template)"):
            rejected = next(i for i in invs if i.expect_rejected)

            def notes_rejected():
                try:
                    cv.render(rejected, cwd=self.docs.cwd, chart=self.chart)
                except cv.RenderError as exc:
                    require("Additional property backend is not allowed" in exc.helm_message, exc.helm_message)
                    return exc.helm_message.splitlines()[-1]
                raise AssertionError("helm template accepted the notes' --set backend.store.postgres.* keys")
            self.check("Helm (ERRATA 2)", [_row(f"{rejected.where}: Helm rejects the notes' keys", notes_rejected)])
            rendered = self.helm_step(next(i for i in invs if not i.expect_rejected), cwd=self.docs.cwd)
        with self.phase("init container gates start"):
            gate = self.gate_closed(rendered)
        with self.phase("pod start"):
            pod = self.start_mlflow(rendered, host_aliases={"postgres": pg_ip})
            state = self.pods.state(pod, "mlflow")

            def serves():
                require(state.get("Status") == "running", str(state))
                return (f"mlflow started {state.get('StartedAt', '')[:19]} after dbchecker finished (podman removes a "
                        f"finished init container); /health OK at {self.uri}")
            gate.append(_row("database port open: MLflow's container starts and serves", serves))
            self.check("podman (ERRATA 3)", gate)
        with self.phase("notes' run through the pod"):
            self.run_blocks(self.block_line("", file="train.py"), self.block_line("python train.py"))
            self.run_id_logged = (self.docs.cwd / "run_id.txt").read_text().strip()
        with self.phase("checks"):
            self.checks_through_pod("lab2/checks.py", run_id=self.run_id_logged, artifacts=False)
        with self.phase("pod deleted and replaced"):
            self.replace_mlflow_pod()
        with self.phase("checks after pod replacement"):
            after = self.checks_through_pod("lab2/checks.py expect=present", run_id=self.run_id_logged,
                                            artifacts=False)
            if not all(r.ok for r in after):
                self.progress(self.pods.describe(self.pods.pods["mlflow"]))
                self.report.error = "after the pod replacement:\n" + self.pods.describe(self.pods.pods["mlflow"])
            self.run_blocks(self.block_line("survived the pod"))
            rid = self.run_id_logged

            def row_in_postgres():
                got = self.psql(f"SELECT count(*) FROM runs WHERE run_uuid = '{rid}'")
                require(got == "1", f"runs rows for {rid}: {got}")
                return f"1 row in mlflow.runs for {rid}"
            self.check("PostgreSQL", [_row("the run's row is in PostgreSQL's runs table", row_in_postgres)])
        self.watch.stop()

        def no_password():
            hits = [text.replace(s, "<PASSWORD>")[:200] for text in self.watch.seen().values()
                    for s in self.secrets if s in text]
            require(self.watch.samples > 0, "no command lines were sampled")
            require(self.secrets, "no password was read from the README's files")
            require(not hits, f"a password was on a command line: {hits[:3]}")
            return f"{self.watch.samples} samples of every process's command line; no password seen"
        self.check("ps", [_row("no password on any command line during the steps", no_password)])


def run(progress=print, keep: bool = False, workdir=None, part: str = "lab2", **_):
    cls = Lab3K8sPodsRun if part == "lab3-kubernetes" else Lab2PodsRun
    return cls(progress=progress, keep=keep, workdir=workdir, infra="podman").execute()
