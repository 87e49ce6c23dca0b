"""The admin and user passwords appear in no command line the README runs, no process's command line
(sampled all along, so the README's short-lived commands are seen), no block's whole output, no captured
log, no report and no terminal output."""

from __future__ import annotations

import json

import pytest

from mlflow_labs.harness import leaks

pytestmark = pytest.mark.lab6


def test_no_secret_anywhere(lab, tmp_path):
    assert {"MLFLOW_AUTH_ADMIN_PASSWORD", "LAB6_READER_PASSWORD", "LAB6_WRITER_PASSWORD"} <= set(lab.secrets)
    texts = {f"README block at line {b.line} as run": lab.docs.substitute(b.text) for b in lab.docs.blocks}
    # each block's whole output (the report keeps only its last lines)
    outputs = {f"step {s.where} output": s.output for s in lab.docs.steps if s.output}
    assert outputs, "no README step output captured: nothing to scan"
    texts.update(outputs)
    logs = list(lab.workdir.rglob("*.log"))
    assert logs, "no server log captured: nothing to scan"
    texts.update(leaks.files(logs))
    # every command line sampled since before the README ran (its short-lived curl calls included), and now;
    # the lab fixture scans the whole session's again at its end, so this test need not run last
    assert lab.watch.samples > 10, "too few samples of /proc to mean anything"
    texts.update(lab.watch.seen())
    texts.update({f"pid {p} command line now": c for p, c in leaks.command_lines().items()})
    texts["terminal (progress lines)"] = "\n".join(lab.messages)
    texts["terminal (report table)"] = lab.report.table()
    texts["report json"] = lab.report.write_json(tmp_path).read_text()
    hits = leaks.found_in(lab.secrets, texts)
    assert hits == [], hits
    # the scan can fail: the same scan finds a secret planted in a text
    planted = {"x": f"oops {lab.secrets['LAB6_WRITER_PASSWORD']}"}
    assert leaks.found_in(lab.secrets, planted) == ["LAB6_WRITER_PASSWORD in x"]
    assert json.loads(texts["report json"])["lab"] == "lab6-readme"  # the README run's (reports/lab6.json is the command's)
