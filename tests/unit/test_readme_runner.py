"""The directives lab 3's scenario used to implement itself, now the runner's own: `infra=`,
`kill-background`, `health=` on a `docker run -d` block; the block timeout as README:LINE; and the
one /proc scan. Small READMEs of our own, real bash and real processes."""

from __future__ import annotations

import os

import pytest

from mlflow_labs.errors import LabError
from mlflow_labs.harness.net import free_port
from mlflow_labs.harness.process import BackgroundProcess, processes
from mlflow_labs.harness.readme.runner import ReadmeRunner
from mlflow_labs.harness.readme.steps import DocStepError
from tests.unit.test_docs import write  # the same small README writer

pytestmark = pytest.mark.unit


def test_infra_runs_only_the_blocks_of_the_runners_path(tmp_path):
    readme = write(tmp_path, """\
        <!-- lab: run infra=docker -->
        ```bash
        touch docker-ran
        ```
        <!-- lab: run infra=local -->
        ```bash
        touch local-ran
        ```
        ```bash
        touch both-ran
        ```
        """)
    with ReadmeRunner(readme, tmp_path / "w", infra="local") as docs:
        steps = docs.run()
        assert [s.line for s in steps] == [6, 9]   # the docker block is not a step on this path
        assert sorted(p.name for p in docs.cwd.glob("*-ran")) == ["both-ran", "local-ran"]


def test_kill_background_sigkills_exactly_the_server_the_runner_started(tmp_path):
    readme = write(tmp_path, """\
        <!-- lab: background -->
        ```bash
        sleep 300
        ```
        <!-- lab: skip kill-background reason="the harness kills the process it started" -->
        ```bash
        pkill -9 sleep
        ```
        """)
    bystander = BackgroundProcess(["sleep", "300"], log_path=tmp_path / "bystander.log").start()
    try:
        with ReadmeRunner(readme, tmp_path / "w") as docs:
            docs.run_block(docs.blocks[0])
            started = docs.background_process(docs.blocks[0].line)
            pid = started.pid
            step = docs.run_block(docs.blocks[1])
            assert step.status == "skipped"
            assert docs.background_process(docs.blocks[0].line) is None
            assert not BackgroundProcess.group_alive(pid), "the README's server survived kill-background"
        assert bystander.alive(), "kill-background killed a process the runner did not start"
    finally:
        bystander.kill()


def test_health_on_a_run_block_waits_and_reports_the_container_log(tmp_path):
    port = free_port()  # nothing listens: the "container" never answers
    readme = write(tmp_path, f"""\
        <!-- lab: run health=http://127.0.0.1:{port}/health timeout=2 -->
        ```bash
        echo docker run -d --name mlflow-labs-no-such-container-{port} image
        ```
        """)
    with ReadmeRunner(readme, tmp_path / "w", display_root=tmp_path) as docs:
        with pytest.raises(LabError) as err:
            docs.run()
        assert docs.steps[0].status == "failed"
    msg = str(err.value)
    assert msg.startswith(f"the container started at README.md:2 did not answer http://127.0.0.1:{port}/health "
                          f"within 2 s"), msg
    # the log of the container the block named (`docker logs`): here none, and the error says why
    assert "Last lines of its log:\n(no log: " in msg, msg


def test_a_block_that_hangs_is_one_error_naming_readme_line(tmp_path):
    readme = write(tmp_path, """\
        # T
        <!-- lab: run timeout=1 -->
        ```bash
        echo started; sleep 30
        ```
        """)
    with ReadmeRunner(readme, tmp_path / "w", display_root=tmp_path) as docs:
        with pytest.raises(DocStepError) as err:
            docs.run()
    msg = str(err.value)
    assert msg.startswith("README.md:3: block did not finish within 1 s"), msg
    assert "started" in msg  # the output so far


def test_the_one_proc_scan_sees_this_process_its_command_line_and_environment():
    me = next(p for p in processes(environ=True) if p.pid == os.getpid())
    assert "pytest" in me.cmdline or "python" in me.cmdline
    assert f"HOME={os.environ['HOME']}".encode() in me.environ
    assert all(p.environ is None for p in processes())  # not read unless asked for


def test_find_is_the_one_block_finder_and_names_a_missing_block(tmp_path):
    readme = write(tmp_path, """\
        <!-- lab: run infra=docker -->
        ```bash
        docker rm -f mlflow-server
        ```
        <!-- lab: file=train.py -->
        ```python
        print("train")
        ```
        <!-- lab: background -->
        ```bash
        bash serve.sh
        ```
        ```bash
        docker rm -f mlflow-server mlflow-ephemeral
        ```
        """)
    with ReadmeRunner(readme, tmp_path / "w", infra="local") as docs:
        assert docs.find(file="train.py").line == 6   # a block is named by its opening fence
        assert docs.find(text="serve.sh", action="background").line == 10
        # the docker-only block is not this path's: the one after it is found
        assert docs.find(pattern=r"^docker rm -f mlflow-server").line == 13
        with pytest.raises(LabError) as err:
            docs.find(pattern=r"^docker rm -f mlflow-server", nth=1)
    assert "README.md: no block matching '^docker rm -f mlflow-server' (#1) on the local path" in str(err.value)
    assert "disagree" in str(err.value)
