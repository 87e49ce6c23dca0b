"""Lab 4's README and CLI wiring, without servers: every shell block is run or skipped with a
reason, the port the harness substitutes is where the blocks use it, `reproduce` is registered."""

from __future__ import annotations

import pytest

from mlflow_labs.cli import build_parser
from mlflow_labs.harness.readme.parse import audit, parse_blocks
from mlflow_labs.labs import get_lab

pytestmark = pytest.mark.unit


def blocks():
    return parse_blocks(get_lab("lab4").readme.read_text())


def test_every_shell_block_is_run_or_skipped_with_a_reason():
    assert audit(get_lab("lab4").readme) == []
    skipped = [b for b in blocks() if b.action == "skip"]
    # the git identity, LAB_DIR + work folder, and the server: nothing else
    # (the server's command after its environment assignments)
    commands = [next(w for w in b.text.split() if "=" not in w or w.startswith("-")) for b in skipped]
    assert commands == ["git", "export", "mlflow"]


def test_the_readme_walks_the_whole_lab_in_order():
    text = [b.text for b in blocks() if b.action == "run"]
    order = ["dvc remote add", "dvc push", "git clone", "dvc pull", "python train.py", "python clean_data.py",
             "best_run.py", "mlflow-labs reproduce", "mlflow-labs check lab4"]
    positions = [next(i for i, t in enumerate(text) if needle in t) for needle in order]
    assert positions == sorted(positions), dict(zip(order, positions))


def test_every_tracking_uri_uses_the_documented_port():
    for b in blocks():
        if b.action == "run" and ("train.py --" in b.text or "mlflow-labs" in b.text):
            assert "--tracking-uri http://localhost:7006" in b.text, f"README.md:{b.line} would miss the substitution"


def test_reproduce_is_a_registered_command():
    args = build_parser().parse_args(["reproduce", "abc", "--tracking-uri", "http://localhost:7006", "--repo", "/x"])
    assert (args.run_id, args.tracking_uri, args.repo) == ("abc", "http://localhost:7006", "/x")
    assert args.func.__module__ == "mlflow_labs.lab4.command"


def test_check_repo_is_lab4s_option_only(capsys):
    from mlflow_labs.cli import main
    assert main(["check", "lab1", "--tracking-uri", "http://127.0.0.1:9", "--repo", "."]) == 2
    assert "--repo applies to lab4 only" in capsys.readouterr().err
    args = build_parser().parse_args(["check", "lab4", "--tracking-uri", "http://localhost:7006", "--repo", "."])
    assert args.repo == "."
