"""The Helm commands the lab READMEs document, rendered by real `helm template` with exactly their flags.

Helm itself coalesces the chart's values with each `-f` file and `--set`, validates them against the
chart's values.schema.json and renders the manifests; nothing here imitates it. A README's
`helm install|upgrade --install RELEASE community-charts/mlflow ...` becomes
`helm template RELEASE <chart> <the same -f/--set/--namespace flags>`, run in the folder the README
runs in, so a wrong key fails with Helm's own message, reported as README:LINE.

Chart source, the way a learner's machine can have it: env MLFLOW_LABS_CHART (a chart folder or .tgz;
CI points it at the shared copy of community-charts/mlflow 1.11.5, never copied into this project),
else the cached `mlflow-1.11.5.tgz` in the chart cache (settings.chart_cache(), by default
~/.cache/mlflow-labs/charts), else `helm pull` of the pinned chart into that cache (needs internet
once). A chart nowhere to be had is a PrerequisiteMissing whose message starts with CHART_MISSING
(the pytest plugin counts those skips); a helm failure that is not the network is an error.
"""

from __future__ import annotations

import os
import re
import shlex
import tarfile
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from mlflow_labs import settings
from mlflow_labs.harness.readme.parse import parse_blocks
from mlflow_labs.errors import LabError, PrerequisiteMissing
from mlflow_labs.harness.tools import INSTALL, ToolError, require_tool, run_tool

CHART_ENV = "MLFLOW_LABS_CHART"
CHART_REPO, CHART_REPO_URL = "community-charts", "https://community-charts.github.io/helm-charts"
CHART_NAME = "mlflow"
CHART_VERSION = "1.11.5"   # pinned: the labs document this chart's keys and defaults
APP_VERSION = settings.CHART_APP_VERSION   # the MLflow version that chart version deploys (written in settings)

# flags of install/upgrade that do not change what is rendered (they talk to a cluster) and take a value
_DROP_WITH_VALUE = {"--version", "--timeout", "--kubeconfig", "--kube-context", "--wait-for-jobs"}
_DROP = {"--install", "--wait", "--create-namespace", "--atomic", "--debug", "--reuse-values", "--reset-values"}
_KEEP_WITH_VALUE = {"-f", "--values", "--set", "--set-string", "--set-file", "--set-json", "-n", "--namespace"}


CHART_MISSING = f"No copy of the {CHART_REPO}/{CHART_NAME} {CHART_VERSION} chart"  # every skip for it starts so
# what helm says when it cannot reach the repository (DNS, refused, proxy, TLS, timeouts)
_NETWORK = ("cannot be reached", "dial tcp", "no such host", "connection refused", "proxyconnect", "i/o timeout",
            "tls handshake", "deadline exceeded", "client.timeout", "network is unreachable")


def pull_args() -> list[str]:
    """The one command that puts the chart where the harness looks for it."""
    return ["helm", "pull", CHART_NAME, "--repo", CHART_REPO_URL, "--version", CHART_VERSION,
            "--destination", str(settings.chart_cache())]


def pull_command() -> str:
    return shlex.join(pull_args())


def chart_source_help() -> str:
    return (f"with internet access once: `{pull_command()}`; or copy the chart's .tgz (mlflow-{CHART_VERSION}.tgz) "
            f"into {settings.chart_cache()}, or set {CHART_ENV} to a chart folder or .tgz")


def require_helm() -> str:
    return require_tool("helm", why="the chart is rendered by real Helm",
                        fix=f"{INSTALL['helm']} (on this project's CI machines: scripts/provision-k8s-tools)")


def chart_ref() -> list[str]:
    """The chart argument for `helm template`: the setting, else the cache, else `helm pull` into the cache."""
    require_helm()
    source = os.environ.get(CHART_ENV)
    if source:
        path = Path(source).expanduser()
        if not path.exists():  # the copy it names is not on this machine: the chart is missing here
            raise PrerequisiteMissing(f"{CHART_MISSING}: {CHART_ENV}={source} does not exist.", chart_source_help())
        if not (path / "Chart.yaml").is_file() and not (path.is_file() and path.name.endswith((".tgz", ".tar.gz"))):
            raise LabError(f"{CHART_ENV}={source} is neither a chart folder (with Chart.yaml) nor a chart .tgz. "
                           f"Fix: {chart_source_help()}.")
        require_pinned(path, f"{CHART_ENV}={source}")
        return [str(path.resolve())]
    cached = settings.chart_cache() / f"{CHART_NAME}-{CHART_VERSION}.tgz"
    if not cached.is_file():
        cached.parent.mkdir(parents=True, exist_ok=True)
        try:
            run_tool(pull_args(), timeout=180, what=f"helm pull of the {CHART_NAME} {CHART_VERSION} chart")
        except ToolError as exc:
            said = (exc.stderr or exc.stdout).strip().splitlines()
            line = said[-1] if said else "timed out"
            if exc.returncode is None or any(n in line.lower() for n in _NETWORK):
                raise PrerequisiteMissing(f"{CHART_MISSING}: it is not in {cached.parent} and `helm pull` could not "
                                          f"reach {CHART_REPO_URL} (no network?): {line}",
                                          chart_source_help()) from None
            raise
        if not cached.is_file():
            raise LabError(f"`{pull_command()}` succeeded but {cached} is not there; look in {cached.parent}.")
    require_pinned(cached, f"the cached {cached}")
    return [str(cached)]


def chart_metadata(path: Path) -> dict:
    """The Chart.yaml of a chart folder or packaged .tgz (its one top-level folder), as a dict."""
    try:
        if path.is_dir():
            return yaml.safe_load((path / "Chart.yaml").read_text()) or {}
        with tarfile.open(path) as tar:
            member = next((m for m in tar.getmembers() if m.name.count("/") == 1 and m.name.endswith("/Chart.yaml")), None)
            if member is None:
                return {}
            return yaml.safe_load(tar.extractfile(member).read()) or {}
    except (OSError, tarfile.TarError, yaml.YAMLError) as exc:
        raise LabError(f"{path} cannot be read as a Helm chart ({exc}). Fix: {chart_source_help()}.") from None


def require_pinned(path: Path, what: str) -> None:
    """The labs document the keys and defaults of one chart version: any other copy is refused by name."""
    meta = chart_metadata(path)
    name, version = meta.get("name"), str(meta.get("version", ""))
    if name != CHART_NAME or version != CHART_VERSION:
        found = f"chart {name!r} version {version!r}" if meta else "no Chart.yaml"
        raise LabError(f"{what} holds {found}, but the labs are written for {CHART_REPO}/{CHART_NAME} "
                       f"{CHART_VERSION} (its keys and defaults are what the READMEs document). Fix: point "
                       f"{CHART_ENV} at a copy of {CHART_NAME} {CHART_VERSION}, or {chart_source_help()}.")


# -- what the READMEs do ------------------------------------------------------------------------------------
@dataclass
class HelmInvocation:
    readme: Path
    line: int                      # line of the block's opening fence
    command: str                   # the helm command as written (continuations joined)
    release: str = ""
    flags: list[str] = field(default_factory=list)   # the -f/--set/--namespace flags, as written
    files: list[str] = field(default_factory=list)
    set_keys: list[str] = field(default_factory=list)
    expect_rejected: bool = False  # the block carries `values=rejected`: it demonstrates a wrong key

    @property
    def where(self) -> str:
        return f"{self.readme.name}:{self.line}"


def _commands(script: str) -> list[str]:
    joined = re.sub(r"\\\n\s*", " ", script)
    return [ln.strip() for ln in joined.splitlines() if ln.strip() and not ln.strip().startswith("#")]


def parse_helm_command(words: list[str], readme: Path, line: int, command: str,
                       expect_rejected: bool = False) -> HelmInvocation | None:
    """`helm install|upgrade [--install]|template RELEASE CHART flags...` -> its release and rendering flags."""
    if len(words) < 2 or words[0] != "helm" or words[1] not in ("install", "upgrade", "template"):
        return None
    inv = HelmInvocation(Path(readme), line, command, expect_rejected=expect_rejected)
    positional, i = [], 2
    while i < len(words):
        w = words[i]
        if w in (">", ">>", "2>&1", "|", "&&", ";") or w.startswith((">", "2>")):
            break  # a redirection or the next command: not helm's
        flag, eq, inline = w.partition("=")
        if flag in _KEEP_WITH_VALUE:
            value = inline if eq else (words[i + 1] if i + 1 < len(words) else "")
            inv.flags += [flag, value]
            if flag in ("-f", "--values"):
                inv.files.append(value)
            elif flag.startswith("--set"):
                inv.set_keys += [a.partition("=")[0] for a in value.split(",") if a]
            i += 1 if eq else 2
        elif flag in _DROP_WITH_VALUE:
            i += 1 if eq else 2
        elif w in _DROP or w.startswith("-"):
            i += 1
        else:
            positional.append(w)
            i += 1
    inv.release = positional[0] if positional else CHART_NAME
    return inv


def helm_invocations(readme: Path) -> list[HelmInvocation]:
    """Every `helm install|upgrade|template` in the README's shell blocks."""
    out = []
    for block in parse_blocks(Path(readme).read_text()):
        if not block.is_shell:
            continue
        for cmd in _commands(block.text):
            cmd = cmd.lstrip("! ")
            try:
                words = shlex.split(cmd, comments=True)
            except ValueError:
                continue
            inv = parse_helm_command(words, readme, block.line, cmd, block.directive.get("values") == "rejected")
            if inv:
                out.append(inv)
    return out


def _expand_lab_dir(text: str, readme: Path) -> str:
    """$LAB_DIR / ${LAB_DIR:-.} as the README runner sets it: the README's folder."""
    folder = str(Path(readme).resolve().parent)
    return re.sub(r"\$\{LAB_DIR(:-[^}]*)?\}|\$LAB_DIR", lambda m: folder, text)


class RenderError(LabError):
    """Helm refused the values (schema, template error): Helm's own message, with README:LINE."""

    def __init__(self, where: str, command: list[str], helm_message: str):
        self.where, self.helm_message = where, helm_message.strip()
        super().__init__(f"{where}: Helm refuses this install: {self.helm_message}\n"
                         f"(rendered with `{shlex.join(command)}`; fix the key named above in the values "
                         f"file or --set, see the chart's values.yaml for the keys it accepts)")


@dataclass
class Rendered:
    invocation: HelmInvocation
    command: list[str]
    text: str
    docs: list[dict]

    def find(self, kind: str, name: str | None = None) -> list[dict]:
        return [d for d in self.docs if d.get("kind") == kind and (name is None or d["metadata"]["name"] == name)]

    def one(self, kind: str, name: str | None = None) -> dict:
        found = self.find(kind, name)
        if len(found) != 1:
            raise LabError(f"{self.invocation.where}: expected one {kind} {name or ''} in the rendered chart, "
                           f"found {len(found)}")
        return found[0]

    def pod_spec(self, deployment: str | None = None) -> dict:
        return self.one("Deployment", deployment)["spec"]["template"]["spec"]


def template_command(inv: HelmInvocation, chart: list[str] | None = None) -> list[str]:
    flags = [_expand_lab_dir(f, inv.readme) for f in inv.flags]
    return ["helm", "template", inv.release, *(chart or chart_ref()), *flags]


def render(inv: HelmInvocation, cwd: Path | None = None, chart: list[str] | None = None) -> Rendered:
    """Run `helm template` with the invocation's own flags in ``cwd`` (where files a README step wrote live;
    default: the README's folder). Raises RenderError with Helm's message when Helm refuses."""
    cmd = template_command(inv, chart)
    try:
        res = run_tool(cmd, cwd=str(cwd or inv.readme.resolve().parent), timeout=120)
    except ToolError as exc:
        raise RenderError(inv.where, cmd, exc.stderr or exc.stdout) from None
    return Rendered(inv, cmd, res.stdout, [d for d in yaml.safe_load_all(res.stdout) if d])


def render_values(values_files: list[Path] = (), sets: list[str] = (), release: str = CHART_NAME,
                  namespace: str | None = None, where: str = "(values)") -> Rendered:
    """Render the chart with given files / --set expressions (not from a README)."""
    words = ["helm", "template", release, "CHART"]
    for f in values_files:
        words += ["-f", str(f)]
    for s in sets:
        words += ["--set", s]
    if namespace:
        words += ["--namespace", namespace]
    inv = parse_helm_command(words, Path(where), 0, shlex.join(words))
    return render(inv, cwd=Path.cwd())
