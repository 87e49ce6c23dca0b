"""The learner replay's own behaviour, on small READMEs written here (no servers, seconds each):
one persistent shell, failures at README:LINE, `exit` closing the terminal, a clean environment,
the skips it allows, a port that still answers, and processes left running."""

from __future__ import annotations

import os

import pytest

from mlflow_labs.harness.net import free_port
from mlflow_labs.harness.readme.placeholders import host_port
from mlflow_labs.harness.readme.replay import LearnerReplay
from tests.small_readme import write_readme as readme

pytestmark = pytest.mark.unit


def replay(path, **kw):
    return LearnerReplay(path, **kw)  # its own work dir under /tmp (an unprivileged learner can enter it)


def passes(path, **kw):
    """The replay of README ``path`` passes; returns the report."""
    report = replay(path, **kw).run()
    assert report.ok, report.table()
    return report


def fails(path, *words: str, **kw):
    """The replay of README ``path`` fails, its error naming each of ``words``; returns the report."""
    report = replay(path, **kw).run()
    assert not report.ok, report.table()
    assert all(w in report.error for w in words), report.error
    return report


def test_one_shell_for_all_blocks_exports_cd_and_files_carry_over(tmp_path):
    path = readme(tmp_path, """
        ~~~bash
        export GREETING=hello
        mkdir -p ~/work && cd ~/work
        ~~~

        <!-- lab: file=note.py -->
        ~~~python
        import os; print(os.environ["GREETING"], os.getcwd())
        ~~~

        ~~~bash
        python note.py > out.txt
        test "$(cat out.txt)" = "hello $HOME/work"
        ~~~
        """)
    report = passes(path)
    assert [row.status for row in report.rows] == ["passed", "passed", "passed"]


def test_a_failing_command_fails_at_its_own_readme_line(tmp_path):
    path = readme(tmp_path, """
        # title
        ~~~bash
        echo one
        ls /no/such/folder
        echo three
        ~~~

        ~~~bash
        echo never reached
        ~~~
        """)
    report = fails(path)
    assert report.error.startswith(f"{path}:5: `ls /no/such/folder` exited 2"), report.error
    assert [row.where.rsplit(":", 1)[1] for row in report.rows] == ["5"]   # the second block never ran


def test_the_last_command_of_an_and_list_failing_is_caught(tmp_path):
    path = readme(tmp_path, """
        ~~~bash
        test -e /no/such/file && echo found
        ~~~
        """)
    fails(path, ":3:")


def test_exit_in_a_block_closes_the_learners_terminal_and_fails(tmp_path):
    path = readme(tmp_path, """
        ~~~bash
        if true; then echo "guard tripped"; exit 1; fi
        ~~~
        """)
    fails(path, "ended the learner's shell", ":2:")


def test_a_prompt_fails_instead_of_hanging(tmp_path):
    path = readme(tmp_path, """
        ~~~bash
        read -r answer
        ~~~
        """)
    fails(path, "exited 1", default_timeout=60)


def test_clean_environment_fresh_home_no_settings_no_git_identity(tmp_path, monkeypatch):
    monkeypatch.setenv("MLFLOW_LABS_INFRA", "docker")
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://elsewhere:1")
    path = readme(tmp_path, """
        ~~~bash
        env | grep -c '^MLFLOW' > count.txt || true
        test "$(cat count.txt)" = 0
        test "$HOME" != /root && test -z "$(ls -A ~ | grep -v count.txt)"
        ! git config user.email
        command -v mlflow-labs
        ~~~
        """)
    passes(path)


def test_fates_skip_only_by_hand_skip_run_harness_skips_and_filter_routes(tmp_path):
    path = readme(tmp_path, """
        <!-- lab: skip by-hand=skip reason="needs root" -->
        ~~~bash
        false
        ~~~

        <!-- lab: skip reason="the harness starts this itself" -->
        ~~~bash
        echo ran > harness-skip.txt
        ~~~

        <!-- lab: run infra=docker -->
        ~~~bash
        false
        ~~~

        <!-- lab: run infra=local expect-fail -->
        ~~~bash
        test -e nothing-here
        ~~~

        ~~~bash
        test -e harness-skip.txt
        ~~~
        """)
    report = passes(path, route="local")
    assert [(r.where.rsplit(":", 1)[1], r.status) for r in report.rows] == [
        ("3", "skipped"), ("8", "passed"), ("18", "passed"), ("22", "passed")]


def test_placeholders_are_substituted_and_reported(tmp_path):
    path = readme(tmp_path, """
        ~~~bash
        echo "-p 7006:7006 -p 127.0.0.1:7006:7006 --port 7006 host:7006" > ports.txt
        test "$(cat ports.txt)" = "-p 17006:7006 -p 127.0.0.1:17006:7006 --port 17006 host:17006"
        ~~~
        """)
    report = passes(path, placeholders=[host_port(7006, 17006)])
    assert any("port 7006 -> free port 17006" in k for k in report.substitutions)


SERVER = "python -m http.server {port} --bind 127.0.0.1"


def server_twice(tmp_path, between: str):
    """A README: a server in a terminal of its own, a block waiting until it answers, the prose ``between``,
    then the same server's block again. Returns (its path, the README line of the second server's block)."""
    port = free_port()
    path = readme(tmp_path, f"""
        In a terminal of its own:

        <!-- lab: background health=http://127.0.0.1:{port}/ -->
        ~~~bash
        {SERVER.format(port=port)}
        ~~~

        ~~~bash
        for i in $(seq 100); do curl -s -o /dev/null http://127.0.0.1:{port}/ && break; sleep 0.2; done
        ~~~

        {between}

        <!-- lab: background health=http://127.0.0.1:{port}/ -->
        ~~~bash
        {SERVER.format(port=port)}
        ~~~
        """)
    return path, max(i for i, ln in enumerate(path.read_text().splitlines(), 1) if ln == "```bash")


def test_a_server_whose_port_still_answers_stops_the_replay(tmp_path):
    path, second = server_twice(tmp_path, "Destroy the server (this README's destroy step kills nothing), then start it again:")
    fails(path, f":{second}:", "already answers")


def test_processes_left_running_after_the_readme_fail(tmp_path):
    path = readme(tmp_path, """
        ~~~bash
        nohup sleep 600 > /dev/null 2>&1 &
        ~~~
        """)
    r = replay(path)
    report = r.run()
    assert not report.ok and "left running" in report.error and "sleep 600" in report.error
    assert r.leftover_processes() == []  # and the replay removed them


@pytest.mark.skipif(os.geteuid() != 0, reason="switching to an unprivileged learner needs root")
def test_replay_as_an_unprivileged_learner(tmp_path):
    path = readme(tmp_path, """
        ~~~bash
        test "$(id -u)" != 0
        touch ~/mine
        ~~~
        """)
    passes(path, user="nobody")


def test_expect_fail_must_fail_for_the_reason_the_readme_gives(tmp_path):
    path = readme(tmp_path, """
        <!-- lab: run expect-fail output="FAIL  experiment" -->
        ~~~bash
        curl -s http://127.0.0.1:9/ || echo "error: no server"; false
        ~~~
        """)
    fails(path, "block output lacks 'FAIL  experiment'")


def test_stop_it_with_ctrl_c_and_start_it_again_restarts_the_same_command(tmp_path):
    """Lab 2's port-forward after the pod is deleted: the README says Ctrl+C, then the same command."""
    path, _ = server_twice(tmp_path, "Stop it (Ctrl+C) and start it again in the same terminal:")
    report = passes(path)
    assert any("Ctrl+C to the terminal of" in k for k in report.substitutions), report.substitutions
