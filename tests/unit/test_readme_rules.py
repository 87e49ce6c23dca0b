"""Rules over every lab README that a replay cannot see (harness/readme/rules.py), and each rule
shown failing on a corrupted copy."""

from __future__ import annotations

import pytest

from mlflow_labs.harness.readme import rules
from mlflow_labs.harness.suite import CheckSuite
from mlflow_labs.labs import LABS, repo_root

pytestmark = pytest.mark.unit

# the labs' own READMEs (not those of installed packages, e.g. lab 7's node_modules after `npm ci`)
READMES = sorted(p for p in (repo_root() / "labs").rglob("README.md") if "node_modules" not in p.parts)
IDS = [str(p.relative_to(repo_root())) for p in READMES]


def _hints(lab) -> list[tuple[str, str]]:
    """(check name, hint) of every check in every CheckSuite of the lab's checks module."""
    suites = [v for v in vars(lab.checks()).values() if isinstance(v, CheckSuite)]
    assert suites, f"{lab.name}: its checks module has no CheckSuite"
    return [(c.name, c.hint) for s in suites for c in s.checks]


def _rel(readme):
    return str(readme.relative_to(repo_root()))


@pytest.mark.parametrize("readme", READMES, ids=IDS)
def test_every_file_block_is_named_in_visible_text(readme):
    assert not rules.unnamed_files(readme.read_text(), _rel(readme))


@pytest.mark.parametrize("readme", READMES, ids=IDS)
def test_every_new_terminal_says_its_folder_and_venv(readme):
    assert not rules.terminals_unplaced(readme.read_text(), _rel(readme))


@pytest.mark.parametrize("lab", list(LABS.values()), ids=list(LABS))
def test_every_check_hint_names_a_step_about_it(lab):
    assert not rules.hints_astray(lab.readme.read_text(), _rel(lab.readme), _hints(lab))


# -- each rule fails on a corrupted copy -----------------------------------------------------------
LAB6 = LABS["lab6"].readme


def _corrupt(readme, old: str, new: str) -> str:
    text = readme.read_text()
    assert old in text, f"{readme}: the text this corruption changes is gone: {old!r}"
    return text.replace(old, new, 1)


def test_a_file_block_without_its_name_fails_at_its_line():
    text = _corrupt(LAB6, "Save it as `serve.sh`", "Save it")
    problems = rules.unnamed_files(text, "README.md")
    line = next(i for i, t in enumerate(text.splitlines(), 1) if "file=serve.sh" in t) + 1
    assert len(problems) == 1 and problems[0].startswith(f"README.md:{line}: ") and "serve.sh" in problems[0]


def test_a_terminal_without_its_venv_fails_at_its_line():
    lab1 = LABS["lab1"].readme
    text = _corrupt(lab1, "(same folder, same virtual environment)", "(same folder)")
    problems = rules.terminals_unplaced(text, "README.md")
    line = next(i for i, t in enumerate(text.splitlines(), 1) if "In a second terminal (same folder)" in t)
    assert problems == [p for p in problems if p.startswith(f"README.md:{line}: ") and "venv" in p]
    assert len(problems) == 1


def test_a_background_block_not_introduced_as_a_terminal_fails():
    text = _corrupt(LAB6, "In a terminal of its own", "Then")
    problems = rules.terminals_unplaced(text, "README.md")
    line = next(i for i, t in enumerate(text.splitlines(), 1) if t.strip() == "bash serve.sh") - 1
    assert len(problems) == 1 and problems[0].startswith(f"README.md:{line}: ")


def test_a_hint_to_a_missing_step_or_the_wrong_step_fails():
    text = LABS["lab1"].readme.read_text()
    wrong = [("c", "Step 2: train.py must log_param test_size and alpha")]
    assert "log_param" in rules.hints_astray(text, "README.md", wrong)[0]
    assert "does not have" in rules.hints_astray(text, "README.md", [("c", "Step 12: start the server")])[0]
    assert "does not start" in rules.hints_astray(text, "README.md", [("c", "In the UI: click Compare")])[0]
    assert "names nothing" in rules.hints_astray(text, "README.md", [("c", "Step 2")])[0]
    assert not rules.hints_astray(text, "README.md", [("c", "Step 3: train.py must log_param test_size")])


def test_sections_skip_headings_inside_code():
    text = LABS["lab3"].readme.read_text()
    steps = rules.sections(text)
    assert sorted(steps) == [0, 1, 2, 3, 4, 5, 6]
    assert "log_run.py" in steps[3].text and "## Step 4" not in steps[3].text
