"""The last line of a test session (the pytest plugin prints it): ONE verdict, the time it took and where
the report is; on a failure, where it failed (the README line or check, with its hint: what `mlflow-labs
run` prints) and how to see more; how many harness-proof tests the selection left out.

A lab's session (`tox -e labN`) says PASSED only when the lab's own run happened: its README, run by the
harness (runner.readmes_run()). A session where every test that needed it was skipped (no chart, no
Docker) is NOT RUN: it names the README, why (the skips' own reasons, which name the fix) and exits
non-zero. Skips where the lab's run DID happen (CI's kind skips, the pods path having run) stay allowed.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

GREEN, RED, YELLOW = {"green": True, "bold": True}, {"red": True, "bold": True}, {"yellow": True, "bold": True}


def selects(markexpr: str | None, harness: bool) -> bool:
    """Whether the -m expression keeps a test marked `harness` (``harness``) or one not marked (not ``harness``).
    CI's "harness or not harness" keeps both: its deselected harness tests were left out by -k or a lab's
    own skip, not by the learner's selection."""
    if not markexpr:
        return True
    try:
        from _pytest.mark.expression import Expression  # pytest's own -m parser; no public API for it
        return Expression.compile(markexpr).evaluate(lambda name, **_: harness and name == "harness")
    except Exception:  # noqa: BLE001 - another pytest's parser: the plain reading
        return ("not harness" not in markexpr) if harness else markexpr.strip() != "harness"


def count(stats: dict) -> dict[str, int]:
    out = {k: len(stats.get(k, [])) for k in ("failed", "error", "skipped")}
    out["passed"] = len([r for r in stats.get("passed", []) if r.when == "call"])
    return out


def skip_reasons(stats: dict, most: int = 3) -> list[str]:
    """The distinct reasons tests were skipped for, the most frequent first (each with its count)."""
    reasons = Counter(r.longrepr[2] if isinstance(r.longrepr, tuple) else str(r.longrepr)
                      for r in stats.get("skipped", []))
    lines = [f"{reason.removeprefix('Skipped: ')} ({n} test(s))" for reason, n in reasons.most_common()]
    return lines[:most] + ([f"... and {len(lines) - most} other reason(s): see the summary above"] if len(lines) > most else [])


def own_run_missing(lab_dir: Path, ran: set[Path]) -> bool:
    """Whether no README of the lab's folder (``lab_dir``) was run by the harness in this session."""
    root = lab_dir.resolve()
    return not any(p == root or root in p.parents for p in ran)


def readmes_in(reports, root: Path) -> set[Path]:
    """The READMEs whose steps a report of this session holds (a step that passed or failed): the lab's own run
    also when a command the session ran did it (`mlflow-labs run labN`, whose report the session reads)."""
    out = set()
    for r in reports:
        for row in r.rows:
            path, sep, line = row.where.rpartition(":")
            if sep and line.isdigit() and path.endswith(".md") and row.status in ("passed", "failed"):
                p = Path(path)
                out.add((p if p.is_absolute() else root / p).resolve())
    return out


def failure_lines(reports, stats, most: int = 3) -> list[str]:
    """Where it failed, first from the lab reports (README:LINE or the check, with its hint or the
    one-paragraph error naming the fix), else from pytest's own crash line per failed test."""
    lines = []
    for r in reports:
        if r.error:  # its first line (README:LINE first), and the failing checks with their hints: the fix
            first, *rest = r.error.splitlines() or [""]
            fix = [ln.strip() for ln in rest if ln.strip().startswith(("FAIL ", "hint:"))]
            lines.append(f"{r.lab}: {first}" + "".join(f"\n    {f}" for f in fix))
        lines += [f"{row.where}: {row.step}: {row.detail.strip().splitlines()[-1] if row.detail.strip() else 'failed'}"
                  for row in r.rows if row.status == "failed"]
    if not lines:
        # one entry per distinct error: a lab fixture whose README failed errors every test that shares it
        tests_by_message: dict[str, list[str]] = {}
        for rep in stats.get("failed", []) + stats.get("error", []):
            crash = getattr(rep.longrepr, "reprcrash", None)
            text = crash.message if crash else str(rep.longrepr or rep.outcome)  # a session-level check's own text
            tests_by_message.setdefault(text, []).append(rep.nodeid)
        for message, tests in tests_by_message.items():
            first, *rest = message.splitlines() or [""]
            # a README step's error (README:LINE first) carries the failing check and its hint in the
            # block's output: the fix, as `mlflow-labs run` shows it
            fix = [ln.strip() for ln in rest if ln.strip().startswith(("FAIL ", "hint:"))]
            who = tests[0] + (f" (and {len(tests) - 1} more test(s), same error)" if len(tests) > 1 else "")
            lines.append(f"{who}: {first}" + "".join(f"\n    {f}" for f in fix))
    return lines[:most] + ([f"... and {len(lines) - most} more: see the summary above"] if len(lines) > most else [])


def verdict(what: str, seconds: float, stats: dict, reports: list, *, markexpr: str | None, written: str,
            harness_left: int, lab_readme: Path | None = None, ran: set[Path] = frozenset()
            ) -> tuple[list[tuple[str, dict]], bool]:
    """(the lines, each with its terminal markup; whether the session is a failure). ``lab_readme``: the
    README of the lab this session is (None: not a lab's session), which must have run for a PASS."""
    n = count(stats)
    tally = f"{n['passed']} passed, {n['failed'] + n['error']} failed, {n['skipped']} skipped"
    where = f"; report: {written}" if written else ""
    left_out = ""
    if harness_left and not selects(markexpr, harness=True):
        left_out = f"; {harness_left} harness-proof test(s) not selected (`tox -e {what} -- -m harness` runs them)"
    if n["failed"] or n["error"]:
        return ([(f"mlflow-labs: {what} FAILED after {seconds:.0f} s ({tally}){where}", RED)]
                + [(f"  {line}", {"red": True}) for line in failure_lines(reports, stats)]), True
    # judged when tests of the lab ran or skipped (a --collect-only session, or one that selected nothing, is not)
    lab_session = lab_readme is not None and selects(markexpr, harness=False) and bool(n["passed"] or n["skipped"])
    if lab_session and own_run_missing(lab_readme.parent, set(ran)):
        why = skip_reasons(stats) or ["no selected test runs it: the selection (-k, -m) left it out; run "
                                      f"`tox -e {what}` with none"]
        return ([(f"mlflow-labs: {what} NOT RUN after {seconds:.0f} s ({tally}): the lab's own run ({lab_readme.name} "
                  f"in {lab_readme.parent.name}/) did not happen, so nothing proves the lab on this machine. "
                  f"Why, and the fix:", RED)]
                + [(f"  {line}", {"red": True}) for line in why]), True
    if n["passed"]:
        return [(f"mlflow-labs: {what} PASSED in {seconds:.0f} s ({tally}){left_out}{where}", GREEN)], False
    return [(f"mlflow-labs: {what}: NO VERDICT, nothing passed ({tally}){left_out}", YELLOW)], False
