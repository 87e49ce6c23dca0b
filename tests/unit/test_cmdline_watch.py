"""The command-line watch sees a short-lived process's arguments that a scan afterwards cannot."""

from __future__ import annotations

import subprocess

import pytest

from mlflow_labs.harness.cmdline_watch import CommandLineWatch
from mlflow_labs.harness import leaks

pytestmark = pytest.mark.unit


def test_a_short_lived_command_line_is_seen_by_the_watch_and_missed_by_a_later_scan():
    planted = {"PLANTED_PASSWORD": "planted-secret-4f9c2e"}
    watch = CommandLineWatch(interval=0.05).start()
    try:
        subprocess.run(["sh", "-c", "sleep 0.5", "sh", planted["PLANTED_PASSWORD"]], check=True)
    finally:
        watch.stop()
    later = {f"pid {p}": c for p, c in leaks.command_lines().items()}
    assert leaks.found_in(planted, later) == []  # what a scan after the README saw: nothing
    hits = leaks.found_in(planted, watch.seen())
    assert len(hits) == 1 and hits[0].startswith("PLANTED_PASSWORD in pid "), hits
    assert watch.samples > 3
