"""Every setting of mlflow-labs in one place: the MLFLOW_LABS_* environment variables, the options
that override them, and the constants more than one lab or module uses.

Environment variables (read by `Settings.from_env`; a command-line option, where there is one, wins):

  MLFLOW_LABS_ROOT              the checkout holding labs/ (default: found from the cwd or this package)
  MLFLOW_LABS_INFRA             where lab 3's servers run: auto | docker | local   (--infra, --mlflow-labs-infra)
  MLFLOW_LABS_TRACKING_URI      pytest: check this server instead of starting one   (--mlflow-labs-tracking-uri)
  MLFLOW_LABS_REPORTS           folder for reports/<lab>.json                        (--reports; default reports/)
  MLFLOW_LABS_POSTGRES_IMAGE    lab 3's PostgreSQL image  (default postgres:15; offline: mlflow-labs/postgres:15)
  MLFLOW_LABS_MLFLOW_IMAGE      lab 3's MLflow image      (default DOCUMENTED_MLFLOW_IMAGE; offline: OFFLINE_MLFLOW_IMAGE)
  MLFLOW_LABS_CHART             lab 2: a local copy of the community mlflow chart (folder or .tgz), read by lab2/chart.py;
                                unset: the chart cache below, else `helm pull` into it (needs internet once)
  XDG_CACHE_HOME                the chart cache is $XDG_CACHE_HOME/mlflow-labs/charts (default ~/.cache/mlflow-labs/charts,
                                chart_cache()); `mlflow-labs doctor lab2` prints the command that fills it
  MLFLOW_LABS_KIND_LOAD_IMAGES  lab 2: comma-separated local images to `kind load` (air-gapped clusters)
  MLFLOW_LABS_SKIP_NETWORK_CHECKS  lab 2 preflight: do not probe Docker Hub or the chart repository
  MLFLOW_LABS_K8S_INFRA         labs 2 and 3-on-Kubernetes: kind | podman | auto  (--infra kind|podman; lab2/scenario.py)
  MLFLOW_LABS_CHROMIUM          labs 5 and 7: the Chromium/Chrome binary (default: chromium on PATH; infra/browser.py)
  MLFLOW_LABS_BROWSER_STEP_TIMEOUT  lab 5: seconds one browser wait may take before its check fails (default 30;
                                raise it on a slow or loaded machine; lab5/checks.py)
  MLFLOW_LABS_SSO_PYTHON        lab 7: the Python 3.12+ for mlflow-oidc-auth's venv (default: found on PATH / pyenv; lab7/environment.py)
  MLFLOW_LABS_SSO_VENV          lab 7: where that venv is (default .venv-lab7 in the checkout; scripts/provision-lab7 builds it)
  MLFLOW_LABS_MLFLOW_VERSION    another MLflow than the pin, in its own .venv-mlflow-X (scripts/_venv.sh; drift job)
  MLFLOW_LABS_COST_FILE         where the harness counts what a proof costs (server starts, README runs, browser
                                launches; harness/cost.py): scripts/test sets reports/cost-<env>.jsonl per env; unset: not counted
Used by the shell scripts only (not read by Python):
  MLFLOW_LABS_VENV              scripts/_venv.sh: the virtualenv the scripts use (default .venv)
  MLFLOW_LABS_CACHE             scripts/build-offline-images: where downloaded wheels/binaries are cached
  MLFLOW_LABS_INSTALLER         scripts/_venv.sh: uv (default where it can be had) or pip
  MLFLOW_LABS_HTTP_TIMEOUT      seconds a tracking server may take to START answering one request (default 30); a
                                whole answer must arrive within 4x that, and no answer may exceed 128 MiB
                                (harness/client.py: a dripping or endless server ends `check` with a clear error)
  MLFLOW_LABS_JOBS              scripts/test: how many tox envs run at once (default 2)
  MLFLOW_LABS_ALLOWED_SKIPS     scripts/test: which entries of tests/allowed-skips.toml apply (default all; `none`
                                for a job that has every prerequisite, e.g. the GitHub kind job; or names: `kind`)
  MLFLOW_LABS_BREAK_CHECKS      the test suite (tests/nearmiss): check each near miss again with its check broken, which
                                must then fail its test (scripts/test sets it: CI proves every near-miss test can fail)
  MLFLOW_LABS_SELECT            tox.ini: the pytest -m expression of every env (default "not harness": a learner's
                                `tox -e labN`; scripts/test sets "harness or not harness": CI runs everything)
Lab 6 reads the learner's credentials from LAB6_READER_USERNAME/PASSWORD and LAB6_WRITER_USERNAME/PASSWORD
(never from the command line; lab6/auth.py).

Defaults for the images are the official ones for users online; an air-gapped classroom (or CI here)
points them at the images `scripts/build-offline-images` builds.
"""

from __future__ import annotations

import functools
import os
import re
import uuid
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Mapping

from mlflow_labs.errors import LabError  # the one user-facing error; errors.py imports nothing

# -- constants with one home ------------------------------------------------------------------------
DOCUMENTED_PORT = 7006        # the port every lab README uses for its MLflow server (the harness substitutes a free one)
EPHEMERAL_PORT = 7007         # lab 3's throwaway SQLite container
PG_MAJOR = 15                 # what Debian bookworm ships, so the official and the offline image behave alike
DEFAULT_POSTGRES_IMAGE = f"postgres:{PG_MAJOR}"
# The MLflow the chart's image runs: the community chart's appVersion (what chart 1.11.5 deploys), written
# here once. The image lab 3's README documents is that image (the official MLflow image lacks psycopg2,
# this one has it); scripts/build-offline-images builds the same version (it reads this line). The READMEs
# and the workflow name it literally, as a learner types it: tests/unit/test_version_pins.py holds them to it.
CHART_APP_VERSION = "3.15.1"
DOCUMENTED_MLFLOW_IMAGE = f"burakince/mlflow:{CHART_APP_VERSION}"
OFFLINE_MLFLOW_IMAGE = f"mlflow-labs/mlflow:{CHART_APP_VERSION}"   # scripts/build-offline-images' build of it
DEFAULT_MLFLOW_IMAGE = DOCUMENTED_MLFLOW_IMAGE
INFRA_CHOICES = ("auto", "docker", "local")

BUILD_SCRIPT = "scripts/build-offline-images"
PROVISION_SCRIPT = "scripts/provision-docker"

# Environment for every MLflow server the harness (or a README it runs) starts. uvicorn's supervisor
# kills a worker that does not answer its health ping within 5 s; on a loaded machine (2 cores, several
# test sessions) a healthy but starved worker is killed mid-request and the checks see connection
# resets. A user-set UVICORN_TIMEOUT_WORKER_HEALTHCHECK wins.
SERVER_ENV = {"UVICORN_TIMEOUT_WORKER_HEALTHCHECK": "60"}

# Every container and network the harness makes carries this label, so cleanup (and the session-end
# check that nothing is left) can find them even when testcontainers' Ryuk reaper cannot run.
LABEL = "org.mlflow-labs.harness"
# One id per harness process: its containers and local PostgreSQL data dirs carry it, so a run (or a
# parallel test worker) cleans up and checks only what it made.
SESSION = uuid.uuid4().hex[:12]


@dataclass(frozen=True)
class Settings:
    root: Path | None = None
    infra: str = "auto"
    tracking_uri: str | None = None
    reports: Path = Path("reports")
    postgres_image: str = DEFAULT_POSTGRES_IMAGE
    mlflow_image: str = DEFAULT_MLFLOW_IMAGE
    chart: str | None = None
    kind_load_images: tuple[str, ...] = ()
    skip_network_checks: bool = False
    http_timeout: float = 30.0
    sso_python: str | None = None
    sso_venv: Path | None = None
    chromium: str | None = None
    k8s_infra: str = "auto"
    jobs: int = 2                       # scripts/test: tox envs at once
    allowed_skips: str | None = None    # scripts/test: which allowed skips apply (None: all)
    cost_file: Path | None = None       # harness/cost.py: where server starts, README runs, browser launches are counted

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **options) -> "Settings":
        """The environment's settings, then ``options`` (command-line values; None means not given)."""
        env = os.environ if env is None else env
        get = lambda name: env.get(f"MLFLOW_LABS_{name}") or None  # noqa: E731 - empty means unset
        s = cls(
            root=Path(get("ROOT")) if get("ROOT") else None,
            infra=get("INFRA") or "auto",
            tracking_uri=get("TRACKING_URI"),
            reports=Path(get("REPORTS") or "reports"),
            postgres_image=get("POSTGRES_IMAGE") or DEFAULT_POSTGRES_IMAGE,
            mlflow_image=get("MLFLOW_IMAGE") or DEFAULT_MLFLOW_IMAGE,
            chart=get("CHART"),
            kind_load_images=tuple(i.strip() for i in (get("KIND_LOAD_IMAGES") or "").split(",") if i.strip()),
            skip_network_checks=bool(get("SKIP_NETWORK_CHECKS")),
            http_timeout=_seconds("HTTP_TIMEOUT", get("HTTP_TIMEOUT"), 30.0),
            sso_python=get("SSO_PYTHON"),
            sso_venv=Path(get("SSO_VENV")) if get("SSO_VENV") else None,
            chromium=get("CHROMIUM"),
            k8s_infra=get("K8S_INFRA") or "auto",
            jobs=_count("JOBS", get("JOBS"), 2),
            allowed_skips=get("ALLOWED_SKIPS"),
            cost_file=Path(get("COST_FILE")) if get("COST_FILE") else None,
        )
        given = {k: v for k, v in options.items() if v is not None}
        return replace(s, **given) if given else s

    def validate(self) -> None:
        if self.infra not in INFRA_CHOICES:
            raise LabError(f"Unknown infra '{self.infra}' (from --infra or MLFLOW_LABS_INFRA): use auto, docker or local.")


def _count(name: str, raw: str | None, default: int) -> int:
    if raw is None:
        return default
    if not raw.strip().isdigit() or int(raw) < 1:
        raise LabError(f"MLFLOW_LABS_{name}={raw!r} is not a whole number of 1 or more: set it to e.g. 2, or unset it.")
    return int(raw)


def _seconds(name: str, raw: str | None, default: float) -> float:
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if value <= 0:
        raise LabError(f"MLFLOW_LABS_{name}={raw!r} is not a number of seconds above 0: set it to e.g. 30, or unset it.")
    return value


def repo_root() -> Path:
    """The checkout holding labs/ (MLFLOW_LABS_ROOT overrides, for an installed package)."""
    root = current().root
    if root:
        return root
    here = Path(__file__).resolve()
    for parent in [Path.cwd(), *here.parents]:
        if (parent / "labs").is_dir() and (parent / "pyproject.toml").exists():
            return parent
    raise LabError("Cannot find the labs/ folder. Run from the mlflow-labs checkout or set MLFLOW_LABS_ROOT to it.")


def chart_cache() -> Path:
    """Where lab 2 keeps the community chart's .tgz once `helm pull` fetched it (or you copied it there)."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "mlflow-labs" / "charts"


# The MLflow the course is written for has ONE home: pyproject.toml's `mlflow[auth]==X.Y.Z`. Code reads it
# here; the READMEs and requirement files a learner types name it literally, held to it by
# tests/unit/test_version_pins.py; scripts/bump-mlflow moves them all.
_PIN = re.compile(r"""["']mlflow(?:\[[\w,\s-]*\])?==([\w.+-]+)["']""")


@functools.lru_cache(maxsize=None)
def mlflow_pin() -> str:
    """The pinned MLflow version: from the checkout's pyproject.toml (the one place it is written), else from
    the installed package's metadata (the same line, as built)."""
    here = Path(__file__).resolve()
    for parent in here.parents:
        pyproject = parent / "pyproject.toml"
        if pyproject.is_file() and (parent / "src" / "mlflow_labs").is_dir():
            found = _PIN.search(pyproject.read_text())
            if found:
                return found.group(1)
    from importlib import metadata  # noqa: PLC0415 - only for an installed copy without its checkout
    try:
        requires = metadata.requires("mlflow-labs") or []
    except metadata.PackageNotFoundError:
        requires = []
    for req in requires:
        found = _PIN.search(f'"{req.split(";")[0].strip()}"')
        if found:
            return found.group(1)
    raise LabError("Cannot tell which MLflow this course pins: no `mlflow==X.Y.Z` in pyproject.toml or in the "
                   "installed mlflow-labs package. Reinstall it (`pip install -e .` in the checkout).")


BROWSER_STEP_TIMEOUT_S = 30   # one element wait in lab 5's browser: the UI answers in seconds, a loaded machine slower


def browser_step_timeout_ms() -> int:
    """MLFLOW_LABS_BROWSER_STEP_TIMEOUT (seconds, default 30) in milliseconds; a clear error when it is not a number."""
    raw = os.environ.get("MLFLOW_LABS_BROWSER_STEP_TIMEOUT") or ""
    if not raw:
        return BROWSER_STEP_TIMEOUT_S * 1000
    try:
        seconds = float(raw)
    except ValueError:
        seconds = 0.0
    if not 0 < seconds <= 3600:
        raise LabError(f"MLFLOW_LABS_BROWSER_STEP_TIMEOUT={raw!r} is not a number of seconds between 0 and 3600: it is "
                       f"how long one browser wait of lab 5 may take. Set it to e.g. 60 (or unset it for the default "
                       f"{BROWSER_STEP_TIMEOUT_S}).")
    return int(seconds * 1000)


def current(**options) -> Settings:
    """Read now (not at import): tests and the CLI change the environment between runs."""
    return Settings.from_env(**options)


# -- thin wrappers kept for the modules that call them ------------------------------------------------
def postgres_image() -> str:
    return current().postgres_image


def mlflow_image() -> str:
    return current().mlflow_image


def infra_choice(explicit: str | None = None) -> str:
    s = current(infra=explicit)
    s.validate()
    return s.infra
