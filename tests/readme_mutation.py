"""What the README-mutation tests of every lab assert: a lab run on a README (or project) with one claim
broken fails at that README's own `mlflow-labs check` block, with the expected check's own FAIL (its finding,
not a timeout) and no other failure.

The block's line is found here by reading the README's lines, not through the harness's parser, so a
wrong line number in the harness's reports fails these tests instead of being repeated by them."""

from __future__ import annotations

from pathlib import Path


def check_block_line(readme: Path, lab: str) -> int:
    """The line of the opening fence of the README block that runs `mlflow-labs check LAB`."""
    lines = readme.read_text().splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith(f"mlflow-labs check {lab}"))
    return next(i for i in range(at, -1, -1) if lines[i].startswith("```")) + 1


def fail_line(error: str, check: str) -> str | None:
    """The `FAIL  <check>: <detail>` line `mlflow-labs check` printed for ``check`` (None: it did not fail)."""
    return next((ln for ln in error.splitlines() if ln.startswith(f"FAIL  {check}: ")), None)


def assert_fails_at_check_line(report, readme: Path, lab: str, failing_check: str, finding: str) -> None:
    """... and it fails with ``finding`` in its detail: the check's own finding about the broken claim.
    A check that merely failed (a browser timeout, a "cannot check" after another failure) is not that."""
    where = f"{readme}:{check_block_line(readme, lab)}"
    assert not report.ok
    assert report.error.startswith(where), report.error
    line = fail_line(report.error, failing_check)
    assert line, f"{failing_check!r} did not FAIL:\n{report.error}"
    assert finding in line, (f"{failing_check!r} failed, but not with its finding {finding!r} about the broken claim "
                             f"(a timeout, or a knock-on of another failure?):\n{line}")
    assert [r.where for r in report.rows if r.status == "failed"] == [where]
