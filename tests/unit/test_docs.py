"""The docs runner on small READMEs of our own: real bash, real files, no servers."""

from __future__ import annotations

import re
import textwrap

import pytest

from mlflow_labs.harness.readme.parse import DIRECTIVES, DirectiveError, audit, parse_blocks
from mlflow_labs.harness.readme.runner import ReadmeRunner
from mlflow_labs.harness.readme.steps import DocStepError, Substitution

pytestmark = pytest.mark.unit


def write(tmp_path, text: str):
    p = tmp_path / "README.md"
    p.write_text(textwrap.dedent(text))
    return p


def test_directives_attach_to_the_next_block_only(tmp_path):
    readme = write(tmp_path, """\
        # T
        <!-- lab: skip reason="not here" -->
        ```bash
        echo skipped
        ```
        ```bash
        echo run
        ```
        <!-- lab: file=a.py -->
        ```python
        print(1)
        ```
        ```python
        print(2)
        ```
        """)
    blocks = parse_blocks(readme.read_text())
    assert [b.action for b in blocks] == ["skip", "run", "file", "show"]
    assert [b.line for b in blocks] == [3, 6, 10, 13]
    assert blocks[0].directive["reason"] == "not here"


def test_failing_block_is_reported_as_readme_line(tmp_path):
    readme = write(tmp_path, """\
        intro

        ```bash
        echo fine
        ```

        ```bash
        echo about to fail
        exit 3
        ```
        """)
    runner = ReadmeRunner(readme, tmp_path / "w", display_root=tmp_path)
    with pytest.raises(DocStepError) as err:
        runner.run()
    msg = str(err.value)
    assert msg.startswith("README.md:7: block exited 3")
    assert "about to fail" in msg  # the output tail
    assert "$ echo about to fail" in msg  # the command
    assert [s.status for s in runner.steps] == ["passed", "failed"]


def test_cd_carries_over_and_files_land_in_the_current_dir(tmp_path):
    readme = write(tmp_path, """\
        ```bash
        mkdir proj && cd proj
        ```
        <!-- lab: file=hello.txt -->
        ```text
        hi on port 7006
        ```
        ```bash
        test "$(basename "$PWD")" = proj
        grep -q "port 9999" hello.txt
        ```
        """)
    runner = ReadmeRunner(readme, tmp_path / "w", substitutions=[Substitution("7006", "9999", "port")])
    runner.run()
    assert (tmp_path / "w" / "proj" / "hello.txt").read_text() == "hi on port 9999\n"
    assert runner.applied == {"port": "'7006' -> '9999'"}


def test_background_block_waits_for_health_and_is_stopped(tmp_path):
    readme = write(tmp_path, """\
        <!-- lab: background health=http://127.0.0.1:PORT/ timeout=30 -->
        ```bash
        python -m http.server PORT --bind 127.0.0.1
        ```
        ```bash
        curl -sf http://127.0.0.1:PORT/ > /dev/null
        ```
        """)
    from mlflow_labs.harness.net import free_port, port_in_use
    port = free_port()
    with ReadmeRunner(readme, tmp_path / "w", substitutions=[Substitution("PORT", str(port), "port")]) as runner:
        runner.run()
        assert port_in_use(port)
    assert not port_in_use(port)


def test_background_block_that_dies_reports_its_log(tmp_path):
    readme = write(tmp_path, """\
        <!-- lab: background health=http://127.0.0.1:1/ timeout=30 -->
        ```bash
        echo "boom: config broken" >&2; exit 1
        ```
        """)
    with ReadmeRunner(readme, tmp_path / "w", display_root=tmp_path) as runner, pytest.raises(DocStepError) as err:
        runner.run()
    assert "README.md:2" in str(err.value) and "boom: config broken" in str(err.value)


def test_audit_flags_unmarked_and_reasonless_shell_blocks(tmp_path):
    readme = write(tmp_path, """\
        <!-- lab: skip -->
        ```bash
        rm -rf /
        ```
        <!-- lab: skip reason="documented only" -->
        ```sh
        ok
        ```
        ```python
        print("shown")
        ```
        """)
    problems = audit(readme)
    assert [(b.line, why) for b, why in problems] == [(2, "skipped without a reason")]


def test_block_indentation_is_kept_and_list_indent_removed(tmp_path):
    readme = write(tmp_path, """\
        ```python
        with x:
            y()
        ```
        1. Step:
           ```bash
           echo a
               echo b
           ```
        """)
    blocks = parse_blocks(readme.read_text())
    assert blocks[0].text == "with x:\n    y()\n"
    assert blocks[1].text == "echo a\n    echo b\n"


def test_close_removes_only_a_workdir_the_runner_made(tmp_path):
    readme = write(tmp_path, "```bash\ntouch made-here\n```\n")
    own = ReadmeRunner(readme)
    own.run()
    assert (own.workdir / "made-here").exists()
    own.close()
    assert not own.workdir.exists()
    given = ReadmeRunner(readme, tmp_path / "given")
    given.run()
    given.close()
    assert (tmp_path / "given" / "made-here").exists()


def test_unknown_directive_key_is_an_error_naming_readme_line(tmp_path):
    readme = write(tmp_path, """\
        # T

        <!-- lab: bakground health=http://localhost:7006/health -->
        ```bash
        sleep 1000
        ```
        """)
    with pytest.raises(DirectiveError) as err:
        ReadmeRunner(readme, tmp_path / "w", display_root=tmp_path)
    msg = str(err.value)
    assert msg.startswith("README.md:3: unknown directive key 'bakground'"), msg
    assert "background" in msg  # the accepted keys are listed
    with pytest.raises(DirectiveError, match=r"README.md:3: unknown directive key 'bakground'"):
        audit(readme)


def test_every_accepted_directive_is_documented_in_one_place():
    """The directives module's docstring and the README's "How it is built" list exactly the keys the parser accepts."""
    from mlflow_labs.harness.readme import directives as docs
    from mlflow_labs.labs import repo_root
    documented = re.findall(r"^    ([a-z-]+)(?:=\S+)?\s{2,}", docs.__doc__, re.M)
    assert documented == list(DIRECTIVES)
    built = repo_root().joinpath("README.md").read_text().split("## How it is built", 1)[1].split("\n## ", 1)[0]
    missing = [k for k in DIRECTIVES if f"`{k}" not in built]
    assert not missing, f"README.md's 'How it is built' does not list these directives: {missing}"


def test_a_block_with_no_language_is_shown_not_run(tmp_path):
    readme = write(tmp_path, """\
        Expected output:
        ```
        touch should-not-exist
        ```
        """)
    runner = ReadmeRunner(readme, tmp_path / "w", display_root=tmp_path)
    [block] = runner.blocks
    assert block.action == "show" and not block.is_shell
    runner.run()
    assert [s.status for s in runner.steps] == ["shown"]
    assert not (tmp_path / "w" / "should-not-exist").exists()
    assert audit(readme) == []  # shown, not a shell block left unrun


def test_expect_fail_fails_the_step_when_the_command_succeeds(tmp_path):
    readme = write(tmp_path, """\
        <!-- lab: expect-fail -->
        ```bash
        echo all good
        ```
        """)
    runner = ReadmeRunner(readme, tmp_path / "w", display_root=tmp_path)
    with pytest.raises(DocStepError, match=r"README.md:2: block succeeded \(exit 0\), but the README says it fails"):
        runner.run()
    assert [s.status for s in runner.steps] == ["failed"]


def test_expect_fail_passes_on_failure_with_the_named_output(tmp_path):
    readme = write(tmp_path, """\
        <!-- lab: expect-fail output="FAIL  experiment" -->
        ```bash
        echo "FAIL  experiment 'x' exists"; exit 1
        ```
        """)
    runner = ReadmeRunner(readme, tmp_path / "w", display_root=tmp_path)
    runner.run()
    assert [s.status for s in runner.steps] == ["passed"]
    assert "failed as the README expects (exit 1)" in runner.steps[0].note


def test_expect_fail_with_other_output_fails_the_step(tmp_path):
    readme = write(tmp_path, """\
        <!-- lab: expect-fail output="FAIL  experiment" -->
        ```bash
        echo "Cannot reach the MLflow server" >&2; exit 2
        ```
        """)
    runner = ReadmeRunner(readme, tmp_path / "w", display_root=tmp_path)
    with pytest.raises(DocStepError, match=r"README.md:2: block output lacks 'FAIL  experiment'"):
        runner.run()


def test_a_step_keeps_its_whole_output_and_the_report_its_tail(tmp_path):
    """A secret scan must read all of a block's output: the note (what the report shows) is its tail."""
    readme = write(tmp_path, """\
        ```bash
        echo first-line-planted
        for i in $(seq 10); do echo "line $i"; done
        ```
        """)
    runner = ReadmeRunner(readme, tmp_path / "w")
    runner.run()
    (step,) = runner.steps
    assert "first-line-planted" in step.output and "line 10" in step.output
    assert "first-line-planted" not in step.note
    assert "output" not in step.as_dict()
