"""The replay fills only placeholders each README shows the learner, with the values the README's own
table (or text) gives; and every README's blocks have a fate the replay understands."""

from __future__ import annotations

import re

import pytest

from mlflow_labs.harness.readme.directives import reason
from mlflow_labs.harness.readme.parse import parse_blocks
from mlflow_labs.byhand import placeholders
from mlflow_labs.harness.readme.replay import LearnerReplay
from mlflow_labs.labs import get_lab

pytestmark = pytest.mark.unit


def table_rows(lab: str) -> list[str]:
    return [ln for ln in get_lab(lab).readme.read_text().splitlines() if ln.startswith("| ")]


def test_lab3_table_states_every_value_the_replay_types():
    rows = table_rows("lab3")
    rds = next(r for r in rows if r.startswith("| `<RDS-ENDPOINT>`"))
    assert "`127.0.0.1`" in rds and "`lab3-postgres`" in rds and "`lab3-net`" in rds
    assert "`postgres`" in next(r for r in rows if r.startswith("| `<USERNAME>`"))
    assert all(f"`{p}`" in next(r for r in rows if "ports" in r) for p in (5432, 7006, 7007))
    for route in ("local", "docker"):
        _, table, _ = placeholders("lab3", route)
        for p in table:
            assert re.search(r"port (5432|7006|7007)|<RDS-ENDPOINT>|<USERNAME>|^image ", p.reason), p.reason


def test_docker_route_container_uri_gets_the_containers_name_and_psql_gets_loopback():
    _, table, _ = placeholders("lab3", "docker")
    text = ("psql -h <RDS-ENDPOINT> -p 5432\n"
            "docker run -d -p 127.0.0.1:5432:5432 x\n"
            "mlflow server --backend-store-uri postgresql+psycopg2://u:p@<RDS-ENDPOINT>:5432/mlflow\n")
    for p in table:
        text = p.apply(text)
    psql, run, uri = text.splitlines()
    assert psql.startswith("psql -h 127.0.0.1 -p ") and "5432" not in psql
    assert re.fullmatch(r"docker run -d -p 127\.0\.0\.1:\d+:5432 x", run) and ":5432:" not in run
    assert uri.endswith("@lab3-postgres:5432/mlflow")   # PostgreSQL's own port on the network stays


@pytest.mark.parametrize("lab,route", [("lab1", None), ("lab2", None), ("lab3", "local"), ("lab3", "docker"),
                                       ("lab3", "kind"), ("lab4", None), ("lab5", None), ("lab6", None),
                                       ("lab7", None)])
def test_every_shell_block_has_a_fate_and_only_root_or_the_whole_readme_is_skipped(lab, route):
    readme = get_lab(lab).dir / "kubernetes" / "README.md" if route == "kind" else get_lab(lab).readme
    start, _, _ = placeholders(lab, route)
    r = LearnerReplay(readme, route=route, start=start)
    blocks = {b.line: b for b in parse_blocks(readme.read_text()) if b.is_shell}
    try:
        fates = {line: r.fate(b) for line, b in blocks.items()}
    finally:
        r.close()
    skips = {line: reason(blocks[line]) for line, f in fates.items() if f == "skip"}
    for line, why in skips.items():
        assert re.search(r"sudo|root|runs this README|build-offline-images|CI builds|the course's venv|runs this section|"
                         r"--infra podman|whole lab again|scripts/provision-lab7 builds", why), f"README.md:{line} {why}"
    assert not [line for line, f in fates.items() if f == "run" and re.search(r"^\s*(tox |mlflow-labs run|podman )",
                blocks[line].text, re.M)]
    assert all(f in ("run", "background", "file", "other-path", "skip") for f in fates.values()), fates


def test_air_gapped_image_fills_the_readmes_default_image(monkeypatch):
    from mlflow_labs.lab3 import byhand as replay_mod
    from mlflow_labs.infra import docker_engine
    monkeypatch.setattr(docker_engine, "image_present", lambda name, c=None: name.startswith("mlflow-labs/"))
    p = replay_mod._image("postgres:15", "mlflow-labs/postgres:15")
    assert p.apply('"${MLFLOW_LABS_POSTGRES_IMAGE:-postgres:15}"') == '"${MLFLOW_LABS_POSTGRES_IMAGE:-mlflow-labs/postgres:15}"'
    assert p.apply("mlflow-labs/postgres:15") == "mlflow-labs/postgres:15"   # never twice


def test_run_from_this_folder_starts_in_a_copy_of_the_lab_folder():
    """Labs 2 and 3 on kind say "run from this folder": the replay starts in a copy (the clone stays clean)."""
    for lab, route, readme in [("lab2", None, get_lab("lab2").readme),
                               ("lab3", "kind", get_lab("lab3").dir / "kubernetes" / "README.md")]:
        start, _, _ = placeholders(lab, route)
        r = LearnerReplay(readme, route=route, start=start)
        try:
            assert r.start_dir != readme.parent and (r.start_dir / "README.md").read_text() == readme.read_text()
        finally:
            r.close()


def test_at_least_one_replay_runs_a_readmes_pip_install_of_the_pin_as_typed():
    """The replays run in the course's venv, built once per machine; one README's `pip install mlflow==PIN` is
    still typed by its replay in every CI (lab 7's Step 0), so the pin is proven to install as a learner does."""
    from mlflow_labs import settings
    from mlflow_labs.harness.readme.directives import fate
    from mlflow_labs.labs import LABS

    pin = f"mlflow=={settings.mlflow_pin()}"
    typed = [f"{lab}:{b.line}" for lab in LABS for b in parse_blocks(get_lab(lab).readme.read_text())
             if "pip install" in b.text and pin in b.text and fate(b, by_hand=True) == "run"]
    assert typed, f"no learner replay types a README's `pip install {pin}`: mark one such block to run by hand"
