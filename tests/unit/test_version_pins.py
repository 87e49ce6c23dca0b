"""The two versions the course is written for, each written once (issue 34):

- the MLflow pin: pyproject.toml's `mlflow[auth]==X.Y.Z`. Code reads it (settings.mlflow_pin()); the READMEs
  and requirement files a learner types name it literally, and are held to it here;
- the chart's appVersion (the MLflow its image `burakince/mlflow:V` runs): settings.CHART_APP_VERSION. The
  READMEs and the workflow's image list name it literally, held to it here.

scripts/bump-mlflow moves the literal places; a place it misses fails here, named as FILE:LINE.
"""

from __future__ import annotations

import importlib.machinery
import json
import importlib.util
import re
import shutil
from pathlib import Path

import pytest

from mlflow_labs import settings

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]


def _bump_module():
    """scripts/bump-mlflow as a module: the patterns it moves are the ones held here (one definition)."""
    loader = importlib.machinery.SourceFileLoader("bump_mlflow", str(ROOT / "scripts" / "bump-mlflow"))
    module = importlib.util.module_from_spec(importlib.util.spec_from_loader("bump_mlflow", loader))
    loader.exec_module(module)
    return module


BUMP = _bump_module()
PIN = settings.mlflow_pin()
APP = settings.CHART_APP_VERSION
INSTALL = BUMP.INSTALL   # an install of MLflow as typed: `mlflow==V`, `mlflow[auth]==V`
PROSE = BUMP.PROSE       # prose naming a release: "MLflow V", "mlflow **V**"; not history ("since MLflow V")
IMAGE = re.compile(r"(?:burakince|mlflow-labs)/mlflow:([\w.]+)")
TEXT = {".md", ".txt", ".toml", ".cfg", ".yaml", ".yml", ".ini"}


def _literal(version: str) -> re.Pattern:
    return re.compile(rf"(?<![\d.]){re.escape(version)}(?![\d.])")


def _files(*tops: str, suffixes=TEXT | {".py", ""}) -> list[Path]:
    out = []
    for top in tops:
        path = ROOT / top
        found = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
        out += [p for p in found if p.suffix in suffixes and not any(
            part in ("node_modules", "__pycache__") or part.endswith(".egg-info") for part in p.parts)]
    return out


def _hits(pattern: re.Pattern, files, wrong) -> list[str]:
    """FILE:LINE: text for each match whose version ``wrong(version)`` says is wrong."""
    out = []
    for f in files:
        for n, line in enumerate(f.read_text(errors="replace").splitlines(), 1):
            for m in pattern.finditer(line):
                if wrong(m.group(m.lastindex)):
                    out.append(f"{f.relative_to(ROOT)}:{n}: {line.strip()[:120]}")
    return out


def test_the_pin_is_written_once_in_pyproject():
    lines = [ln for ln in (ROOT / "pyproject.toml").read_text().splitlines() if INSTALL.search(ln)]
    assert len(lines) == 1 and INSTALL.search(lines[0]).group(2) == PIN == BUMP.pinned(ROOT), lines


def test_code_reads_the_pin_and_the_charts_version_never_writes_them():
    """src/, scripts/, the workflows and the tox wiring hold neither version as a literal (settings.py holds
    the chart's, once); what they need they read."""
    code = _files("src", "scripts", ".github", "tox.ini", "toxfile.py", "conftest.py")
    pin = _hits(re.compile(rf"({_literal(PIN).pattern})"), code, lambda v: True)
    app = _hits(re.compile(rf"({_literal(APP).pattern})"), [f for f in code if f.name != "settings.py"], lambda v: True)
    # the workflow's lab 3 job pulls the official images by name: a literal, held by the image test below
    app = [h for h in app if not (h.startswith(".github/workflows/") and "images:" in h)]
    assert not pin, f"the MLflow pin {PIN} is written here; read settings.mlflow_pin() instead:\n" + "\n".join(pin)
    assert not app, (f"the chart's appVersion {APP} is written here; read settings.CHART_APP_VERSION "
                     f"(or DOCUMENTED_MLFLOW_IMAGE / OFFLINE_MLFLOW_IMAGE) instead:\n" + "\n".join(app))
    settings_py = (ROOT / "src/mlflow_labs/settings.py").read_text()
    assert len(_literal(APP).findall(settings_py)) == 1, "settings.py writes the chart's appVersion more than once"


def test_what_a_learner_types_installs_the_pin():
    """Every `pip install mlflow==V` / requirements line in the labs and the README names the pin."""
    wrong = _hits(INSTALL, _files("labs", "README.md"), lambda v: v != PIN)
    assert not wrong, f"these install another MLflow than pyproject's pin {PIN} (scripts/bump-mlflow moves " \
                      f"them):\n" + "\n".join(wrong)


def test_the_lab_readmes_name_no_other_mlflow_release():
    """A README names the pinned MLflow, or the one the chart's image runs; any other release is left behind."""
    readmes = sorted((ROOT / "labs").rglob("README.md"))
    wrong = _hits(PROSE, [r for r in readmes if "node_modules" not in r.parts], lambda v: v not in (PIN, APP))
    assert not wrong, f"these name an MLflow release that is neither the pin {PIN} nor the chart's {APP}:\n" \
                      + "\n".join(wrong)


def test_every_named_mlflow_image_is_the_charts():
    """burakince/mlflow:V (the chart's image) and mlflow-labs/mlflow:V (its offline build) name settings'
    CHART_APP_VERSION, in the labs, the README and the workflow that pulls the official images."""
    wrong = _hits(IMAGE, _files("labs", "README.md", ".github"), lambda v: v != APP)
    assert not wrong, f"these name another image than the chart's appVersion {APP}:\n" + "\n".join(wrong)
    assert settings.DOCUMENTED_MLFLOW_IMAGE == f"burakince/mlflow:{APP}"
    assert settings.OFFLINE_MLFLOW_IMAGE == f"mlflow-labs/mlflow:{APP}"


def test_the_checks_catch_a_place_left_behind(tmp_path, monkeypatch):
    """The scan itself can fail: a README line with another pin, and code writing the pin, are both named."""
    (tmp_path / "labs").mkdir()
    (tmp_path / "labs" / "README.md").write_text("pip install mlflow==0.0.1 scikit-learn\nMLflow 9.9.9 shows\n")
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "x.py").write_text(f'PIN = "mlflow=={PIN}"\n')
    monkeypatch.setitem(globals(), "ROOT", tmp_path)
    assert _hits(INSTALL, _files("labs"), lambda v: v != PIN) == ["labs/README.md:1: pip install mlflow==0.0.1 scikit-learn"]
    assert _hits(PROSE, _files("labs"), lambda v: v not in (PIN, APP)) == ["labs/README.md:2: MLflow 9.9.9 shows"]
    assert _hits(re.compile(rf"({_literal(PIN).pattern})"), _files("src"), lambda v: True)


def test_settings_reads_the_pin_from_the_installed_metadata_without_a_checkout(monkeypatch):
    """An installed copy (no pyproject beside it) reads the same line from its metadata."""
    from importlib import metadata

    monkeypatch.setattr(settings, "__file__", "/nonexistent/site-packages/mlflow_labs/settings.py")
    monkeypatch.setattr(metadata, "requires", lambda name: ["requests>=2.31", "mlflow[auth]==9.8.7"])
    settings.mlflow_pin.cache_clear()
    try:
        assert settings.mlflow_pin() == "9.8.7"
    finally:
        settings.mlflow_pin.cache_clear()


def test_bump_mlflow_moves_every_held_place_and_only_those(tmp_path):
    """scripts/bump-mlflow's move on a copy of what it edits: afterwards every place held above names the new
    version, pyproject's pin is it, and the lines it reports as left behind are not pins (README history)."""
    for part in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / part, tmp_path / part)
    shutil.copytree(ROOT / "labs", tmp_path / "labs", ignore=shutil.ignore_patterns("node_modules", "__pycache__"))
    changed, left = BUMP.move(tmp_path, PIN, "9.8.7")
    assert changed and any(c.startswith("pyproject.toml:") for c in changed), changed
    assert BUMP.pinned(tmp_path) == "9.8.7"
    readmes = [p for p in (tmp_path / "labs").rglob("*") if p.is_file() and p.suffix in TEXT]
    moved_root = globals()["ROOT"]
    try:
        globals()["ROOT"] = tmp_path
        assert _hits(INSTALL, readmes + [tmp_path / "README.md"], lambda v: v != "9.8.7") == []
        assert _hits(PROSE, [p for p in readmes if p.name == "README.md"], lambda v: v not in ("9.8.7", APP)) == []
    finally:
        globals()["ROOT"] = moved_root
    for line in left:  # what it leaves is not an install and not a lab README's release name
        assert not INSTALL.search(line) and not line.startswith("labs/"), line


def test_bump_mlflow_says_what_broke_readme_line_by_readme_line(tmp_path):
    """The closing report of a bump: counts per env, each failed test, and each failed README step or check as
    README:LINE with its error, read from the reports the suite wrote (JUnit, labN.json)."""
    (tmp_path / "junit-lab1.xml").write_text(
        '<testsuites><testsuite name="pytest" tests="3" failures="1" errors="0" skipped="0">'
        '<testcase classname="tests.lab1.test_readme" name="test_readme_runs"><failure message="AssertionError: '
        'README step failed&#10;more">x</failure></testcase><testcase classname="a" name="b"/>'
        '<testcase classname="a" name="c"/></testsuite></testsuites>')
    (tmp_path / "junit-lab3.xml").write_text('<testsuites><testsuite tests="2" failures="0" errors="0" skipped="0">'
                                             '</testsuite></testsuites>')
    (tmp_path / "lab1.json").write_text(json.dumps({"lab": "lab1", "error": "", "steps": [
        {"step": "pip install", "where": "labs/lab1-sqlite-local/README.md:27", "status": "passed", "detail": ""},
        {"step": "mlflow ui --port 7006", "where": "labs/lab1-sqlite-local/README.md:61", "status": "failed",
         "detail": "exit 2: Error: No such option: --backend-store-uri"}]}))
    lines, green = BUMP.what_broke(tmp_path)
    assert not green
    assert "| lab1 | 2 | 1 | 0 |" in lines and "| lab3 | 2 | 0 | 0 |" in lines
    assert "- `tests.lab1.test_readme::test_readme_runs`: AssertionError: README step failed" in lines
    assert ("- labs/lab1-sqlite-local/README.md:61 (lab1): mlflow ui --port 7006: exit 2: Error: No such option: "
            "--backend-store-uri") in lines
    assert not any("README.md:27" in ln for ln in lines)   # a step that passed is not news
    (tmp_path / "junit-lab1.xml").unlink()
    (tmp_path / "lab1.json").unlink()
    assert BUMP.what_broke(tmp_path)[1] is True
