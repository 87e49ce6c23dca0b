"""Validate the Helm values the lab READMEs use against the chart's own values.schema.json.

This is what `helm install` does before it renders anything: coalesce the chart's values.yaml
defaults, each `-f` file in order, then each `--set`, and validate the result against the chart's
JSON Schema. Doing it here needs no cluster and no helm, so the documented keys are proven on any
machine, and the course notes' `backend.store.postgres.*` keys are shown rejected (ERRATA 2).

Chart source, first that applies:
  1. env MLFLOW_LABS_CHART: a chart folder (values.yaml + values.schema.json) or a chart .tgz
  2. `helm pull community-charts/mlflow --version 1.11.5` when helm is installed (needs internet)
  3. otherwise PrerequisiteMissing, naming both fixes.
"""

from __future__ import annotations

import copy
import json
import os
import re
import shlex
import shutil
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from mlflow_labs.harness.docs import parse_blocks
from mlflow_labs.harness.errors import LabError, PrerequisiteMissing

CHART_ENV = "MLFLOW_LABS_CHART"
CHART_REPO, CHART_REPO_URL = "community-charts", "https://community-charts.github.io/helm-charts"
CHART_NAME = "mlflow"
CHART_VERSION = "1.11.5"   # pinned: the labs document this chart's keys and defaults
APP_VERSION = "3.15.1"     # the MLflow version that chart version deploys


@dataclass
class Chart:
    values: dict
    schema: dict
    source: str

    def validator(self):
        import jsonschema
        cls = jsonschema.validators.validator_for(self.schema)
        return cls(self.schema)


# -- loading --------------------------------------------------------------------------------------
def _from_dir(path: Path) -> Chart:
    values_file, schema_file = path / "values.yaml", path / "values.schema.json"
    if not values_file.is_file() or not schema_file.is_file():
        nested = path / CHART_NAME  # an unpacked `helm pull --untar` puts the chart one level down
        if nested.is_dir():
            return _from_dir(nested)
        raise LabError(f"{path} is not a chart folder: it needs values.yaml and values.schema.json. "
                       f"Point {CHART_ENV} at the mlflow chart folder or its .tgz.")
    return Chart(yaml.safe_load(values_file.read_text()) or {}, json.loads(schema_file.read_text()), str(path))


def _from_tgz(path: Path) -> Chart:
    with tarfile.open(path) as tar:
        def member(name: str) -> bytes:
            # the chart's own files are <chart>/<file>; sub-charts live deeper, under charts/
            for m in tar.getmembers():
                parts = m.name.split("/")
                if len(parts) == 2 and parts[1] == name and m.isfile():
                    return tar.extractfile(m).read()
            raise LabError(f"{path} has no top-level {name}: is it a Helm chart archive with a schema?")
        return Chart(yaml.safe_load(member("values.yaml")) or {}, json.loads(member("values.schema.json")), str(path))


def chart_source_help() -> str:
    return (f"set {CHART_ENV} to a local copy of the community-charts mlflow {CHART_VERSION} chart (a folder "
            f"with values.yaml and values.schema.json, or the .tgz from `helm pull {CHART_REPO}/{CHART_NAME} "
            f"--version {CHART_VERSION}`), or install helm and allow it to reach {CHART_REPO_URL}")


def load_chart(source: str | os.PathLike | None = None, *, cache_dir: Path | None = None) -> Chart:
    source = source or os.environ.get(CHART_ENV)
    if source:
        path = Path(source).expanduser()
        if path.is_dir():
            return _from_dir(path)
        if path.is_file() and (path.suffix == ".tgz" or path.name.endswith(".tar.gz")):
            return _from_tgz(path)
        raise LabError(f"{CHART_ENV}={source} is neither a chart folder nor a .tgz file. Fix: {chart_source_help()}.")
    if shutil.which("helm"):
        from mlflow_labs.infra.helm import Helm
        from mlflow_labs.infra.tools import ToolError
        helm = Helm()
        try:
            helm.repo_add(CHART_REPO, CHART_REPO_URL)
            tgz = helm.pull(f"{CHART_REPO}/{CHART_NAME}", CHART_VERSION,
                            cache_dir or Path(tempfile.gettempdir()) / "mlflow-labs-charts")
        except ToolError as exc:
            raise PrerequisiteMissing(f"helm is installed but could not fetch the chart ({exc}).",
                                      chart_source_help()) from None
        return _from_tgz(tgz)
    raise PrerequisiteMissing(f"No copy of the {CHART_REPO}/{CHART_NAME} {CHART_VERSION} chart to validate against "
                              f"({CHART_ENV} is not set and helm is not installed).", chart_source_help())


# -- helm's value semantics ---------------------------------------------------------------------------
def parse_set_value(text: str):
    """Type a --set value as helm does: true/false, null, integers; everything else stays a string."""
    if text in ("true", "false"):
        return text == "true"
    if text == "null":
        return None
    if re.fullmatch(r"-?(0|[1-9]\d*)", text):
        return int(text)
    return text


def _split_unescaped(text: str, sep: str, keep_escapes: bool = False) -> list[str]:
    parts, cur, i = [], "", 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text):
            # an escaped separator is literal; other escapes are left for the next split
            cur += text[i + 1] if text[i + 1] == sep or not keep_escapes else text[i:i + 2]
            i += 2
            continue
        if text[i] == sep:
            parts.append(cur)
            cur = ""
        else:
            cur += text[i]
        i += 1
    parts.append(cur)
    return parts


def parse_set(expr: str, *, string: bool = False) -> list[tuple[list[str], object]]:
    """`a.b=1,c=x` -> [(['a','b'], 1), (['c'], 'x')]. List indices (`a[0]`) are not used by the labs."""
    out = []
    for assignment in _split_unescaped(expr, ",", keep_escapes=True):
        key, sep, value = assignment.partition("=")
        if not sep or not key:
            raise LabError(f"`--set {expr}`: '{assignment}' is not key=value.")
        if "[" in key:
            raise LabError(f"`--set {expr}`: list index syntax in '{key}' is not supported by this checker.")
        value = value.replace("\\,", ",")
        out.append((_split_unescaped(key, "."), value if string else parse_set_value(value)))
    return out


def coalesce(base: dict, overlay: dict) -> dict:
    """Deep-merge like helm: maps merge key by key, anything else replaces; null removes a key."""
    out = copy.deepcopy(base)
    for k, v in overlay.items():
        if v is None:
            out.pop(k, None)
        elif isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = coalesce(out[k], v)
        else:
            out[k] = copy.deepcopy(v)
    return out


def apply_set(values: dict, path: list[str], value) -> dict:
    nested: object = value
    for key in reversed(path):
        nested = {key: nested}
    return coalesce(values, nested)


def compute_values(chart: Chart, files: list[dict] = (), sets: list[tuple[list[str], object]] = ()) -> dict:
    values = copy.deepcopy(chart.values)
    for f in files:
        values = coalesce(values, f or {})
    for path, value in sets:
        values = apply_set(values, path, value)
    return values


def schema_errors(chart: Chart, values: dict) -> list[str]:
    """Every schema violation, one line each: 'backend: Additional properties are not allowed ...'."""
    errors = sorted(chart.validator().iter_errors(values), key=lambda e: list(e.absolute_path))
    out = []
    for e in errors:
        where = ".".join(str(p) for p in e.absolute_path) or "(root)"
        out.append(f"{where}: {e.message}")
    return out


def lookup(values: dict, dotted: str):
    cur: object = values
    for key in dotted.split("."):
        if not isinstance(cur, dict) or key not in cur:
            raise KeyError(dotted)
        cur = cur[key]
    return cur


# -- what the READMEs do ------------------------------------------------------------------------------------
@dataclass
class HelmInvocation:
    readme: Path
    line: int                      # line of the block's opening fence
    command: str                   # the helm command as written (continuations joined)
    files: list[str] = field(default_factory=list)
    sets: list[tuple[list[str], object]] = field(default_factory=list)
    set_keys: list[str] = field(default_factory=list)
    expect_rejected: bool = False  # the block carries `values=rejected`: it demonstrates a wrong key

    @property
    def where(self) -> str:
        return f"{self.readme.name}:{self.line}"


def _commands(script: str) -> list[str]:
    joined = re.sub(r"\\\n\s*", " ", script)
    return [ln.strip() for ln in joined.splitlines() if ln.strip() and not ln.strip().startswith("#")]


def helm_invocations(readme: Path) -> list[HelmInvocation]:
    """Every `helm install|upgrade|template` in the README's shell blocks, with its -f files and --set keys."""
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
            if len(words) < 2 or words[0] != "helm" or words[1] not in ("install", "upgrade", "template"):
                continue
            inv = HelmInvocation(Path(readme), block.line, cmd,
                                 expect_rejected=block.directive.get("values") == "rejected")
            i = 2
            while i < len(words):
                w = words[i]
                if w in ("-f", "--values") and i + 1 < len(words):
                    inv.files.append(words[i + 1]); i += 2; continue
                if w.startswith("--values="):
                    inv.files.append(w.split("=", 1)[1]); i += 1; continue
                if w in ("--set", "--set-string") and i + 1 < len(words):
                    pairs = parse_set(words[i + 1], string=(w == "--set-string"))
                    inv.sets += pairs
                    inv.set_keys += [".".join(p) for p, _ in pairs]
                    i += 2; continue
                if w in (">", "2>&1") or w.startswith(">"):
                    break
                i += 1
            out.append(inv)
    return out


def resolve_values_file(name: str, readme: Path) -> Path | None:
    """A -f argument as the README runs it: $LAB_DIR (or ${LAB_DIR:-.}) is the README's folder."""
    folder = Path(readme).resolve().parent
    expanded = re.sub(r"\$\{LAB_DIR(:-[^}]*)?\}|\$LAB_DIR", lambda m: str(folder), name)
    path = Path(expanded)
    if not path.is_absolute():
        path = folder / path
    return path if path.is_file() else None


@dataclass
class Verdict:
    invocation: HelmInvocation
    errors: list[str]
    values: dict
    missing_files: list[str]

    @property
    def accepted(self) -> bool:
        return not self.errors and not self.missing_files


def check_invocation(chart: Chart, inv: HelmInvocation, generated: dict[str, dict] | None = None) -> Verdict:
    """Validate one README helm command. ``generated`` supplies files a README block writes at run
    time (e.g. the password values file), keyed by the name used after -f."""
    files, missing = [], []
    for name in inv.files:
        if generated and name in generated:
            files.append(generated[name])
            continue
        path = resolve_values_file(name, inv.readme)
        if path is None:
            missing.append(name)
        else:
            files.append(yaml.safe_load(path.read_text()) or {})
    values = compute_values(chart, files, inv.sets)
    return Verdict(inv, schema_errors(chart, values), values, missing)
