"""Lab 5's checks on one run's pages, in the browser: bullet (c) the git commit, (d) the Artifacts view,
(e) the duration, system info and the CPU and memory charts. Registered, with their names and hints, in
lab5/checks.py."""

from __future__ import annotations

import re

from mlflow_labs.harness import client as rest
from mlflow_labs.harness.suite import need, require
from mlflow_labs.lab5.comparators import chart_problems, seconds
from mlflow_labs.lab5.extractors import CHART_DATA
from mlflow_labs.lab5.story import ARTIFACT, CPU, MEMORY
from mlflow_labs.lab5.ui_session import browser, close_assistant, shot, step, ui


def _run_page(ctx, tab: str = ""):
    best = need(ctx, "best", "the best run")
    path = f"experiments/{ctx['exp_id']}/runs/{best['info']['run_id']}" + (f"/{tab}" if tab else "")
    return best, path


def git_commit(ctx):
    best, path = _run_page(ctx)
    commit = rest.tags(best).get("mlflow.source.git.commit")
    require(commit, f"run {rest.run_name(best)} has no mlflow.source.git.commit tag: it was not run inside a git repo")
    with step(ctx, "07-run-commit") as page:
        browser(ctx).goto(ui(ctx, path), lambda p: p.get_by_text("About this run"))
        close_assistant(page)
        page.get_by_text(commit[:7], exact=True).first.wait_for()
        return f"commit {commit[:7]} shown; screenshot {shot(ctx, '07-run-commit')}"


def artifacts(ctx):
    best, path = _run_page(ctx, "artifacts")
    files = [f["path"] for f in ctx["client"].list_artifacts(best["info"]["run_id"])]
    require(ARTIFACT in files, f"run {rest.run_name(best)} has artifacts {files}, not {ARTIFACT}")
    with step(ctx, "08-artifacts") as page:
        browser(ctx).goto(ui(ctx, path), lambda p: p.get_by_role("tab", name="Artifacts"))
        close_assistant(page)
        page.get_by_text(ARTIFACT, exact=True).first.wait_for()
        page.get_by_text(ARTIFACT, exact=True).first.click()  # selecting it shows its details (size, path)
        return f"{ARTIFACT} listed; screenshot {shot(ctx, '08-artifacts')}"


def system(ctx):
    best, path = _run_page(ctx)
    info = best["info"]
    sys_tags = {k: v for k, v in rest.tags(best).items() if k.startswith("sys.")}
    require(sys_tags, f"run {rest.run_name(best)} has no sys.* tags (OS, CPUs, memory)")
    have = set(rest.metrics(best))
    require({CPU, MEMORY} <= have, f"run {rest.run_name(best)} lacks system metrics {sorted({CPU, MEMORY} - have)}: "
                                   f"was system-metrics logging on, with psutil installed?")
    with step(ctx, "09-run-overview") as page:
        browser(ctx).goto(ui(ctx, path), lambda p: p.get_by_text("About this run"))
        close_assistant(page)
        about = page.inner_text("body")
        m = re.search(r"\nDuration\s*\n\s*(\S+)", about)
        require(m, "no Duration on the run page")
        shown, real = seconds(m.group(1)), (info["end_time"] - info["start_time"]) / 1000
        require(shown is not None and abs(shown - real) <= max(0.06, real * 0.02),
                f"Duration shows {m.group(1)!r}; the run took {real:.2f} s")
        for key, value in sys_tags.items():
            page.get_by_text(key, exact=True).first.wait_for()
            require(value in about, f"system info {key}={value} is not on the run page")
        overview = shot(ctx, "09-run-overview")
    with step(ctx, "10-system-metrics") as page:
        page.get_by_role("tab", name="System metrics").click()
        charts = {}
        for metric in (CPU, MEMORY):
            short = metric.split("/", 1)[1]
            # the chart grid renders only what is on screen: filter it, as a person would, by the chart's name
            page.get_by_placeholder("Search metric charts").fill(short)
            title = page.get_by_text(short, exact=True).first
            page.locator("div", has=title).filter(has=page.locator(".js-plotly-plot")).last.wait_for()
            # the plot's own data: the values the run recorded for this metric, not any plot under any title
            history = ctx["client"].metric_history(info["run_id"], metric)
            problems = chart_problems(page.evaluate(CHART_DATA, short), short, history)
            require(not problems, "; ".join(problems))
            charts[short] = shot(ctx, "10-system-metrics-cpu" if metric == CPU else "11-system-metrics-memory")
        return (f"duration {m.group(1)}, {len(sys_tags)} sys.* tags, CPU and memory charts; "
                f"screenshots {overview}, {', '.join(charts.values())}")
