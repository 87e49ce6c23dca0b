"""Lab 5: the notes' "Comparing Runs Visually", checked in a real browser against ANY tracking URI.

This module is the suite: each check with its name and hint (the README step to revisit), in the order
they run, and `run_checks`, the entry point. The work is in modules named for their jobs:
lab5/story.py (what the lab logs), lab5/ui_session.py (the browser session, steps, screenshots),
lab5/extractors.py (what the page shows, read in JavaScript), lab5/comparators.py (that against the
REST API's record), lab5/table_checks.py and lab5/run_page_checks.py (the checks' bodies).

What to expect comes from the REST API (which runs, their params, metrics, commit, artifacts);
what a person sees comes from the UI in headless chromium, by text and element, never by sleeping.
Each browser step saves a screenshot under ``shots`` (default reports/lab5/), named in its detail.
"""

from __future__ import annotations

from pathlib import Path

from mlflow_labs.harness import client as rest
from mlflow_labs.harness.suite import CheckFailed, CheckSuite, Retry, experiment_name, need, require
from mlflow_labs.lab5 import run_page_checks as run_page, table_checks as table
from mlflow_labs.lab5.browser import NETWORK_CHANGED, BrowserSession, StepFailed, find_chromium
from mlflow_labs.lab5.comparators import (chart_problems, compare_problems, data_boxes, model_and_data,  # noqa: F401
                                         story_problems)
from mlflow_labs.lab5.story import (ARTIFACT, BOX_PARAM, CLEAN, CPU, EXPERIMENT, MAX_COMPARED, MEMORY, METRIC,  # noqa: F401
                                    RAW, SCATTER_PARAM, STORY_HINT, TRAIN_HINT)
from mlflow_labs.lab5.ui_session import (SCREENSHOTS, close_assistant, default_shots_dir, ensure_ui,  # noqa: F401
                                         as_before, first_visit, network_resets, open_session,
                                         remembered_now)

# Chromium drops even loopback requests when an interface comes or goes (a container starting beside it): a
# dropped code chunk leaves the page blank; that check gets one more go on a freshly loaded page
suite = CheckSuite("lab5", retry=Retry(resets=network_resets, mark=remembered_now, fresh=as_before,
                                       what=f"the browser's network was reset ({NETWORK_CHANGED})"))


# -- what the lab produced (REST API) ----------------------------------------------------------
@suite.check("the experiment holds finished runs with the metric to compare", hint=TRAIN_HINT)
def _runs(ctx):
    c = ctx["client"]
    exp = c.experiment_by_name(experiment_name(ctx, EXPERIMENT))
    require(exp, f"no experiment named {experiment_name(ctx, EXPERIMENT)!r} on this server")
    runs = [r for r in c.search_runs([exp["experiment_id"]], filter="attributes.status = 'FINISHED'")
            if METRIC in rest.metrics(r)]
    require(len(runs) >= 2, f"{len(runs)} finished run(s) with metric {METRIC!r}; comparing needs at least 2")
    best = max(runs, key=lambda r: rest.metrics(r)[METRIC])
    # compare the best run and the next ones by start time: the story's runs, at most MAX_COMPARED
    others = [r for r in sorted(runs, key=lambda r: r["info"]["start_time"]) if r is not best]
    ctx.update(exp_id=exp["experiment_id"], runs=runs, best=best, compared=[best, *others[: MAX_COMPARED - 1]])
    return f"{len(runs)} runs; best by {METRIC}: {rest.run_name(best)} ({rest.metrics(best)[METRIC]:.3f})"


# -- the README's outcome (Steps 2, 3 and 5): not only that the UI sorts, but which run wins and why ----------
@suite.check("the story: boosted trees on the cleaned data score best, and every clean-data run beats every raw one",
             hint=STORY_HINT)
def _story(ctx):
    best = need(ctx, "best", "the best run")
    problems = story_problems(ctx["runs"], best)
    require(not problems, "; ".join(problems))
    boxes = data_boxes(ctx["runs"])
    return (f"{rest.run_name(best)} ({rest.metrics(best)[METRIC]:.1%}, {model_and_data(best)}) wins; {CLEAN}-data runs "
            f"from {min(boxes[CLEAN]):.1%}, {RAW}-data runs up to {max(boxes[RAW]):.1%}")


# what the REST API alone decides (no browser): the runs and their story; every other check looks at the UI
REST_CHECKS = tuple(c.name for c in suite.checks)


# -- in the browser: the UI has moved since the notes (ERRATA 8), then the notes' bullets (a) to (e) -------
suite.check("the experiment opens on the GenAI Overview; 'Model training' leads to its runs",
            hint="Step 3: open the experiment, then click `Model training` (top left) to see the runs table")(table.moved_ui)
suite.check(f"sorted by {METRIC} (descending), the UI lists the best run first",
            hint=f"Step 3: in the runs table click `Sort: Created`, choose `{METRIC}`, arrow down (highest first)"
            )(table.best_first)
suite.check("(a) select runs, Compare: names, params and metrics side by side",
            hint="Step 4: in the runs table tick two or more runs' boxes, then click `Compare`")(table.compare)
suite.check(f"(b) a scatter plot ({SCATTER_PARAM} vs {METRIC}) and a box plot ({METRIC} by {BOX_PARAM}) show the runs",
            hint="Step 5: on the compare page, the `Scatter Plot` tab (X a param, Y the metric), then `Box Plot`")(table.plots)
suite.check("(c) the run page shows the git commit the run was logged from",
            hint="Step 2: commit train.py in a git repo and run it from there (MLflow records the commit)")(run_page.git_commit)
suite.check(f"(d) the run's Artifacts view lists {ARTIFACT}",
            hint=f"Step 2: train.py must mlflow.log_artifact('{ARTIFACT}')")(run_page.artifacts)
suite.check("(e) the run page shows its duration and system info, and CPU and memory charts",
            hint="Step 2: start the run with log_system_metrics=True (psutil installed) and set the sys.* tags")(run_page.system)


# -- the entry point -----------------------------------------------------------------------------
def run_checks(uri: str, *, shots: Path | str | None = None, report=None, step_timeout_ms: int | None = None,
               session: BrowserSession | None = None, remembered: dict[str, str] | None = None, **options):
    """Every lab 5 check against ``uri`` in one headless browser.

    ``report`` (a harness Report) receives the browser timings as phases and the screenshots as files.
    ``session`` (from open_session): check through that browser and leave it open, so many states can
    share one browser (the near-miss tests); without it a browser is opened and closed here. Each run starts
    as a first visit, or with ``remembered`` in the browser's storage (see first_visit).
    Raises PrerequisiteMissing when there is no browser, LabError when the server has no UI.
    """
    find_chromium()
    ensure_ui(uri, options.get("client"))
    shots = Path(shots) if shots else (session.shots if session else default_shots_dir())
    for old in shots.glob("[0-9][0-9]-*.png"):  # a previous run's screenshots (its FAILED ones too) would mislead
        old.unlink()
    own = session is None
    try:
        if own:
            session = open_session(shots, step_timeout_ms)
        else:
            first_visit(session, uri, remembered)
        results = suite.run(uri, browser=session, remembered=remembered, **options)
    finally:
        if own and session is not None:
            session.close()
        if report is not None and session is not None:
            for phase, seconds in session.timings.items():
                report.phases[phase] = round(report.phases.get(phase, 0) + seconds, 2)
            files = getattr(report, "files", None)
            if files is not None:
                files.extend(str(p) for p in session.screenshots if str(p) not in files)
    return results


__all__ = ["run_checks", "open_session", "suite", "ensure_ui", "StepFailed", "CheckFailed", "REST_CHECKS"]
