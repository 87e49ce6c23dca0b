"""README mutations: a lab run on a README (or project) with one claim broken fails at that README's own
`mlflow-labs check` block, with the expected check's own FAIL (its finding, not a timeout) and no other failure.

A mutation starts where it diverges from the lab: it runs the README copy's blocks in order on the session's
own server (the lab's one run keeps it up; a mutation of a script is not about the server), in an experiment
of its own (the README's experiment name and its check line are substituted, each reported), and stops at
its first failure. `mutation_test` makes the one parametrized test every lab's test_readme_mutations.py uses.

The check block's line is found here by reading the README's lines, not through the harness's parser, so a
wrong line number in the harness's reports fails these tests instead of being repeated by them."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytest

from mlflow_labs.errors import LabError
from mlflow_labs.harness.readme.runner import ReadmeRunner
from mlflow_labs.harness.readme.steps import Step, Substitution, port_substitution
from mlflow_labs.harness.report import Report
from mlflow_labs.labs import get_lab


@dataclass(frozen=True)
class Mutation:
    original: str        # the text in the README (or project file) the claim rests on
    broken: str          # what it becomes
    check: str           # the check that must FAIL
    finding: str         # ... with this in its detail: its own finding about the broken claim
    file: str = "README.md"  # where, in the lab's folder


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


def broken_copy(lab: str, mutations: list[Mutation], dest: Path) -> Path:
    """The lab's folder copied to ``dest`` with each mutation's claim broken; the copy's README."""
    import shutil
    shutil.copytree(get_lab(lab).dir, dest, ignore=shutil.ignore_patterns("__pycache__", "node_modules"))
    for m in mutations:
        target = dest / m.file
        text = target.read_text()
        assert text.count(m.original) == 1, f"{m.file} of {lab} no longer contains {m.original!r}; update this test"
        target.write_text(text.replace(m.original, m.broken))
    return dest / "README.md"


def on_shared_server(readme: Path, lab: str, uri: str, experiment: str, workdir: Path, progress,
                     env: dict | None = None) -> Report:
    """Run a README copy's blocks in order against the session's server at ``uri``, its experiment renamed to a
    fresh one, until the first failure: the report `mlflow-labs run` would give up to there. The README's own
    server block is not run: the session's server stands in for it (reported as a skip saying so)."""
    port = int(uri.rsplit(":", 1)[1])
    fresh = f"{experiment}-mutation-{uuid.uuid4().hex[:8]}"
    subs = [port_substitution(get_lab(lab).port, port),
            Substitution(rf'(["\']){re.escape(experiment)}\1', rf"\g<1>{fresh}\g<1>",
                         f"experiment '{experiment}' -> '{fresh}' (the session's server holds the lab's own run)"),
            Substitution(rf"(mlflow-labs check {lab}\b[^\n]*)", rf"\g<1> --experiment {fresh}",
                         f"`mlflow-labs check {lab}` -> `... --experiment {fresh}`")]
    report = Report(lab)
    # its own reports folder: its `mlflow-labs check` writes there (lab 5's screenshots), never over the session's
    env = {"MLFLOW_LABS_REPORTS": str(workdir / "reports"), **(env or {})}
    with ReadmeRunner(readme, workdir, substitutions=subs, env=env, progress=progress) as docs:
        try:
            for b in docs.blocks:
                if not docs.mine(b):
                    continue
                if b.action == "background" and "mlflow" in b.text:
                    docs.record(Step(docs.display, b.line, "skip", b.text.strip()[:60], "skipped",
                                     note=f"the session's server at {uri} stands in for it"))
                    continue
                docs.run_block(b)
        except LabError as exc:
            report.error = str(exc)
        report.substituted_all(docs.applied)
        report.add_steps(docs.steps)
    return report


def mutation_test(lab: str, mutations: dict[str, Mutation], server: str, experiment: str,
                  together: tuple[frozenset[str], ...] = ()):
    """The parametrized test of a lab's README mutations. ``server``: the name of the session fixture giving
    the lab's kept server's URI. ``together``: groups of cases whose mutations break independent checks, run as
    ONE copy with all of them (once, by the first of its cases to run); each case asserts its own FAIL."""
    runs: dict[frozenset[str], tuple[Path, Report]] = {}

    @pytest.mark.parametrize("case", sorted(mutations))
    def test_a_broken_claim_fails_at_the_readme_check_line(case, request, tmp_path_factory, progress):
        group = next((g for g in together if case in g), frozenset({case}))
        if group not in runs:
            where = tmp_path_factory.mktemp(f"{lab}-mutation")
            readme = broken_copy(lab, [mutations[c] for c in sorted(group)], where / "lab")
            if len(group) > 1:
                progress(f"{lab}: one copy with {len(group)} independent claims broken: {', '.join(sorted(group))}")
            runs[group] = readme, on_shared_server(readme, lab, request.getfixturevalue(server), experiment,
                                                    where / "work", progress)
        readme, report = runs[group]
        m = mutations[case]
        assert_fails_at_check_line(report, readme, lab, m.check, m.finding)

    return test_a_broken_claim_fails_at_the_readme_check_line


def combined_mutation_test(lab: str, mutations: dict[str, Mutation], run: Callable[[Path, Path, Callable], Report]):
    """For a lab whose README is long and whose mutations break independent checks (lab 4): ONE run of a copy
    with every mutation at once, by ``run(lab copy, work dir, progress) -> Report`` (the lab's own LabRun), once
    per session; each case's test asserts its own check's FAIL, with its finding, at the README's check line.
    Returns (the session fixture, the parametrized test): a lab's test module binds both at module level."""

    @pytest.fixture(scope="module")
    def combined_mutation_run(tmp_path_factory, progress):
        dest = tmp_path_factory.mktemp(f"{lab}-mutations")
        readme = broken_copy(lab, [mutations[c] for c in sorted(mutations)], dest / "lab")
        progress(f"{lab}: one run of a copy with {len(mutations)} claims broken at once: {', '.join(sorted(mutations))}")
        return readme, run(dest / "lab", dest / "work", progress)

    @pytest.mark.parametrize("case", sorted(mutations))
    def test_a_broken_claim_fails_at_the_readme_check_line(case, combined_mutation_run):
        readme, report = combined_mutation_run
        m = mutations[case]
        assert_fails_at_check_line(report, readme, lab, m.check, m.finding)

    return combined_mutation_run, test_a_broken_claim_fails_at_the_readme_check_line
