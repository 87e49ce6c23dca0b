"""Lab 5 end to end: the README's own server and runs, then each of the notes' five bullets seen in chromium.

One test per bullet; each asserts the check that looked at the page passed (the check asserts on
text and elements a person sees) and that its screenshots exist under reports/lab5/.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mlflow_labs.harness import client as rest
from mlflow_labs.harness.client import TrackingClient
from mlflow_labs.lab5.checks import suite

pytestmark = pytest.mark.lab5


def result(lab, prefix: str):
    found = [r for r in lab.results if r.name.startswith(prefix)]
    assert len(found) == 1, [r.name for r in lab.results]
    return found[0]


def screenshots_in(detail: str) -> list[Path]:
    return [Path(p) for p in re.findall(r"(\S+\.png)", detail)]


def assert_seen(lab, prefix: str, n_shots: int = 1):
    r = result(lab, prefix)
    assert r.ok, f"{r.name}: {r.detail}"
    shots = screenshots_in(r.detail)
    assert len(shots) >= n_shots, r.detail
    for p in shots:
        assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", p
        assert str(p) in lab.report.files  # listed in reports/lab5.json
    return r


def test_every_readme_block_ran_or_was_skipped_with_reason(lab5):
    steps = lab5.docs.steps
    assert any("python train.py" in s.summary and s.status == "passed" for s in steps)
    for s in steps:
        assert s.status in {"passed", "skipped", "shown"}, (s.where, s.note)
        if s.status == "skipped":
            assert s.note.strip(), s.where


def test_readme_learner_check_passed_against_the_readme_server(lab5):
    step = next(s for s in lab5.docs.steps if "mlflow-labs check lab5" in s.summary)
    assert step.status == "passed", step.note
    assert " 0 failed" in step.note, step.note


def test_moved_ui_overview_first_then_model_training(lab5):
    assert_seen(lab5, "the experiment opens on the GenAI Overview", 1)


def test_best_run_by_accuracy_is_first_in_the_ui_sort(lab5):
    r = assert_seen(lab5, "sorted by accuracy")
    # independently of the check: the REST API's best run is the one named in the check
    c = TrackingClient(lab5.uri)
    exp = c.experiment_by_name("wine-compare")
    best = c.search_runs([exp["experiment_id"]], order_by=["metrics.accuracy DESC"], max_results=1)[0]
    assert rest.run_name(best) == "exp3-gradient-boosting-clean"
    assert f"first row: {rest.run_name(best)}" in r.detail


def test_the_readmes_story_boosted_trees_on_the_cleaned_data_win(lab5):
    """The README's outcome, as its own check block found it: exp3 (boosted trees, clean data) near 96% comes
    first, and the clean-data run scores above every raw-data run (near 83%, 59% and 81%)."""
    r = result(lab5, "the story:")
    assert r.ok, f"{r.name}: {r.detail}"
    assert r.detail.startswith("exp3-gradient-boosting-clean (96.3%, gradient_boosting on the clean data) wins"), r.detail
    assert "raw-data runs up to 83.3%" in r.detail, r.detail


def test_a_compare_shows_names_params_metrics_side_by_side(lab5):
    r = assert_seen(lab5, "(a) select runs, Compare")
    assert "4 runs side by side" in r.detail


def test_b_scatter_and_box_plots_show_the_runs(lab5):
    assert_seen(lab5, "(b) a scatter plot", 2)


def test_c_run_page_shows_git_commit(lab5):
    r = assert_seen(lab5, "(c) the run page shows the git commit")
    commit = rest.tags(lab5_best(lab5))["mlflow.source.git.commit"]
    assert commit[:7] in r.detail


def test_d_artifacts_view_lists_model_pkl(lab5):
    assert_seen(lab5, "(d) the run's Artifacts view lists model.pkl")


def test_e_duration_system_info_and_system_metric_charts(lab5):
    r = assert_seen(lab5, "(e) the run page shows its duration", 3)
    assert "CPU and memory charts" in r.detail


def test_report_has_browser_phases_and_every_check_passed(lab5):
    assert {"browser start", "page loads"} <= set(lab5.report.phases)
    failed = [f"{r.name}: {r.detail}" for r in lab5.results if not r.ok]
    assert not failed, failed
    assert [r.name for r in lab5.results] == [c.name for c in suite.checks], "not every check ran"


def lab5_best(lab):
    c = TrackingClient(lab.uri)
    exp = c.experiment_by_name("wine-compare")
    return c.search_runs([exp["experiment_id"]], order_by=["metrics.accuracy DESC"], max_results=1)[0]
