"""What the README-mutation tests of every lab assert: a lab run on a README (or project) with one claim
broken fails at that README's own `mlflow-labs check` block, with the expected FAIL and no other failure.

The block's line is found here by reading the README's lines, not through the harness's parser, so a
wrong line number in the harness's reports fails these tests instead of being repeated by them."""

from __future__ import annotations

from pathlib import Path


def check_block_line(readme: Path, lab: str) -> int:
    """The line of the opening fence of the README block that runs `mlflow-labs check LAB`."""
    lines = readme.read_text().splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith(f"mlflow-labs check {lab}"))
    return next(i for i in range(at, -1, -1) if lines[i].startswith("```")) + 1


def assert_fails_at_check_line(report, readme: Path, lab: str, failing_check: str) -> None:
    where = f"{readme}:{check_block_line(readme, lab)}"
    assert not report.ok
    assert report.error.startswith(where), report.error
    assert f"FAIL  {failing_check}" in report.error, report.error
    assert [r.where for r in report.rows if r.status == "failed"] == [where]
