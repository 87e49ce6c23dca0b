"""harness/tools.py run_at_once: the commands really run at the same time, and one that hangs is its ToolError
paragraph in the list while the others' results are kept (lab 6's schema race is built on it)."""

from __future__ import annotations

import sys

import pytest

from mlflow_labs.harness.tools import ToolError, ToolResult, run_at_once

pytestmark = pytest.mark.unit

# each process makes its own file, then waits for the other's: run one after the other, neither could finish
RENDEZVOUS = """
import pathlib, sys, time
mine, other = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
mine.touch()
for _ in range(200):
    if other.exists():
        print("met"); sys.exit(0)
    time.sleep(0.05)
print("alone"); sys.exit(3)
"""


def test_commands_start_together_so_each_sees_the_other(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    results = run_at_once([[sys.executable, "-c", RENDEZVOUS, a, b], [sys.executable, "-c", RENDEZVOUS, b, a]],
                          timeout=60)
    assert all(isinstance(r, ToolResult) for r in results), results
    assert [(r.returncode, r.stdout.strip()) for r in results] == [(0, "met"), (0, "met")]


def test_a_hung_command_is_its_tool_error_and_the_others_are_kept():
    results = run_at_once([[sys.executable, "-c", "import time; time.sleep(30)"],
                           [sys.executable, "-c", "import sys; print('done'); sys.exit(2)"]], timeout=2)
    hung, done = results
    assert isinstance(hung, ToolError) and hung.returncode is None
    assert "timed out after 2 s" in str(hung) and "time.sleep(30)" in str(hung)
    assert isinstance(done, ToolResult) and (done.returncode, done.stdout) == (2, "done\n")
