"""One meaning per directive: the same README run by the harness's runner (a `bash -c` per block) and by
the learner replay (one long-lived shell) ends with the same step outcomes, directive by directive.

Each case is a small README of our own with real bash and real processes (a Python http.server stands in
for an MLflow server). Where the two executors differ by design (a `skip` block the harness does itself
is run as written by the learner), the outcome is the same word: "done"."""

from __future__ import annotations

import sys
import textwrap

import pytest

from mlflow_labs.errors import LabError
from mlflow_labs.harness.net import free_port, wait_http
from mlflow_labs.harness.process import BackgroundProcess
from mlflow_labs.harness.readme.replay import LearnerReplay
from mlflow_labs.harness.readme.runner import ReadmeRunner
from tests.small_readme import write_readme

pytestmark = pytest.mark.unit

PY = sys.executable


def _server(port: int) -> str:
    return f"{PY} -m http.server {port} --bind 127.0.0.1"


def _get(port: int) -> str:
    return f"{PY} -c \"import urllib.request; urllib.request.urlopen('http://127.0.0.1:{port}/', timeout=5)\""


def _serve_then_get(port: int) -> str:
    """Two README blocks: a server in a terminal of its own, then a request to it."""
    return textwrap.dedent(f"""
        <!-- lab: background health=http://127.0.0.1:{port}/ timeout=60 -->
        ~~~bash
        {_server(port)}
        ~~~

        ~~~bash
        {_get(port)}
        ~~~

        """)


def _text(*parts: str) -> str:
    """A README's text from parts, each dedented on its own."""
    return "".join(textwrap.dedent(part) for part in parts)


def cases() -> dict[str, tuple[str, str | None]]:
    """name -> (README body, the route both executors take)."""
    port = free_port()
    return {
        # file=: the folders of the path are made (the runner did, the replay did not)
        "file= makes its folders": ("""
            Save it as `conf/sub/settings.ini`:

            <!-- lab: file=conf/sub/settings.ini -->
            ~~~ini
            [server]
            ~~~

            ~~~bash
            grep -q server conf/sub/settings.ini
            ~~~
            """, None),
        # output=: checked on any block (the replay checked it only under expect-fail)
        "output= lacking on a plain block fails": ("""
            <!-- lab: output="goodbye" -->
            ~~~bash
            echo hello
            ~~~

            ~~~bash
            echo never reached
            ~~~
            """, None),
        "output= present on a plain block passes": ("""
            <!-- lab: output="hello" -->
            ~~~bash
            echo hello world
            ~~~
            """, None),
        "expect-fail that succeeds fails": ("""
            <!-- lab: expect-fail -->
            ~~~bash
            echo all good
            ~~~
            """, None),
        "expect-fail with other output fails": ("""
            <!-- lab: expect-fail output="FAIL  experiment" -->
            ~~~bash
            echo "Cannot reach the server" >&2; sh -c 'exit 2'
            ~~~
            """, None),
        "expect-fail with its output passes": ("""
            <!-- lab: expect-fail output="FAIL  experiment" -->
            ~~~bash
            echo "FAIL  experiment 'x' exists"; false
            ~~~

            ~~~bash
            echo next
            ~~~
            """, None),
        "a failing command mid-block fails; cd carries over": ("""
            ~~~bash
            mkdir -p d && cd d
            ~~~

            ~~~bash
            test "$(basename "$PWD")" = d
            false
            echo after
            ~~~
            """, None),
        "timeout= ends a block that hangs": ("""
            <!-- lab: run timeout=1 -->
            ~~~bash
            sleep 20
            ~~~
            """, None),
        "skip, by-hand=skip, infra= and shown blocks": ("""
            <!-- lab: skip by-hand=skip reason="needs root" -->
            ~~~bash
            false
            ~~~

            <!-- lab: run infra=docker -->
            ~~~bash
            false
            ~~~

            Save it as `x.py` (the harness writes it itself):

            <!-- lab: skip file=x.py reason="the harness writes it itself" -->
            ~~~python
            print("x")
            ~~~

            ~~~
            an output sample: false
            ~~~

            ~~~bash
            python x.py | grep -qx x || test ! -e x.py
            ~~~
            """, "local"),
        # background + health=: waited for by both; restarted after Ctrl+C as the README says; and
        # kill-background: the harness kills its own server, the learner's block does it
        "background, health=, its Ctrl+C restart and kill-background": (_text(
            "In a terminal of its own (this folder, no venv):\n", _serve_then_get(port),
            "Stop it (Ctrl+C) in its terminal and start it again:\n", _serve_then_get(port), f"""
            <!-- lab: skip kill-background reason="the harness kills exactly the server it started" -->
            ~~~bash
            pkill -9 -f "http.server {port}"
            ~~~

            <!-- lab: expect-fail -->
            ~~~bash
            {_get(port)}
            ~~~
            """), None),
    }


CASES = cases()


def _block_line(blocks, line: int) -> int:
    """The fence line of the block holding README line ``line`` (the replay names a failing command's line)."""
    return max(b.line for b in blocks if b.line <= line)


def _outcomes(steps, blocks) -> list[tuple[int, str]]:
    skip_done = {b.line for b in blocks if "skip" in b.directive and b.directive.get("by-hand") != "skip"}
    out = []
    for s in steps:
        if s.status == "shown":
            continue
        line = _block_line(blocks, s.line)
        status = "done" if line in skip_done and s.status in ("skipped", "passed") else s.status
        out.append((line, status))
    return out


def harness(path, route):
    runner = ReadmeRunner(path, path.parent / "harness-work", display_root=path.parent, infra=route,
                          default_timeout=60)
    try:
        runner.run()
        error = None
    except LabError as exc:
        error = str(exc)
    finally:
        runner.close()
    return _outcomes(runner.steps, runner.blocks), error


def learner(path, route):
    replay = LearnerReplay(path, route=route, display_root=path.parent, default_timeout=60)
    report = replay.run()
    return _outcomes(replay.steps, replay.blocks), report.error or None


@pytest.mark.parametrize("name", list(CASES))
def test_both_executors_give_the_same_step_outcomes(tmp_path, name):
    body, route = CASES[name]
    path = write_readme(tmp_path, body)
    by_harness, harness_error = harness(path, route)
    by_learner, learner_error = learner(path, route)
    assert by_harness == by_learner, (f"{name}: the runner gave {by_harness} ({harness_error}), the learner "
                                      f"replay {by_learner} ({learner_error})")
    assert (harness_error is None) == (learner_error is None), (harness_error, learner_error)
    assert by_harness, "no step ran: the case proves nothing"


def test_a_server_already_answering_fails_both_before_starting_another(tmp_path):
    """health= names the server the block starts: a URL that answers before it starts is a leftover."""
    port = free_port()
    path = write_readme(tmp_path, f"""
        In a terminal of its own (this folder, no venv):

        <!-- lab: background health=http://127.0.0.1:{port}/ timeout=30 -->
        ~~~bash
        {_server(port)}
        ~~~
        """)
    squatter = BackgroundProcess(_server(port).split(), log_path=tmp_path / "squatter.log").start()
    try:
        wait_http(f"http://127.0.0.1:{port}/", timeout=30, what="the squatter")
        by_harness, harness_error = harness(path, None)
        by_learner, learner_error = learner(path, None)
    finally:
        squatter.stop()
    assert by_harness == by_learner == [(5, "failed")], (by_harness, by_learner)
    assert "already answers" in harness_error and "already answers" in learner_error, (harness_error, learner_error)
