"""Lab 5: the notes' "Comparing Runs Visually", checked in a real browser against ANY tracking URI.

What to expect comes from the REST API (which runs, their params, metrics, commit, artifacts);
what a person sees comes from the UI in headless chromium, by text and element, never by sleeping.
Each browser step saves a screenshot under ``shots`` (default reports/lab5/), named in its detail.
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from pathlib import Path

import requests

from mlflow_labs import settings
from mlflow_labs.harness import client as rest
from mlflow_labs.errors import LabError
from mlflow_labs.harness.suite import CheckFailed, CheckSuite, experiment_name, need, require
from mlflow_labs.lab5.browser import BrowserSession, StepFailed, find_chromium

EXPERIMENT = "wine-compare"
METRIC = "accuracy"              # the metric the lab's story ranks runs by (higher is better)
SCATTER_PARAM = "n_estimators"   # a numeric param to plot against the metric
BOX_PARAM = "data"               # a categorical param (raw vs clean) to group the metric by
ARTIFACT = "model.pkl"
MAX_COMPARED = 4
CPU, MEMORY = "system/cpu_utilization_percentage", "system/system_memory_usage_megabytes"

TRAIN_HINT = "Step 2: run `python train.py` inside the git repo, against this server"

suite = CheckSuite("lab5")


def default_shots_dir() -> Path:
    return settings.current().reports / "lab5"


def ensure_ui(uri: str) -> None:
    """One-line error unless the server serves MLflow's web UI (a tracking-only server cannot be looked at)."""
    try:
        r = requests.get(uri.rstrip("/") + "/", timeout=15)
    except requests.RequestException as exc:
        raise LabError(f"Cannot reach {uri} ({type(exc).__name__}); start the lab's `mlflow server` step.") from None
    if r.status_code != 200 or 'id="root"' not in r.text:
        raise LabError(f"{uri} answers MLflow's API but does not serve its web UI (GET / answered HTTP "
                       f"{r.status_code}: {' '.join(r.text.split())[:80]!r}); start it with `mlflow server` from "
                       f"the full `mlflow` package (mlflow-skinny has no UI).")


def browser(ctx) -> BrowserSession:
    """The session run_checks opened (one browser for all steps)."""
    return ctx["browser"]


TIMED_OUT = re.compile(r"Timeout (\d+)ms exceeded")


@contextmanager
def step(ctx, name: str):
    """A browser step (browser.py's: errors become StepFailed); a wait that timed out also says which setting
    gives the browser more time, so a loaded machine's failure reads as that, not as a UI bug."""
    try:
        with browser(ctx).step(name) as page:
            yield page
    except StepFailed as exc:
        m = TIMED_OUT.search(str(exc))
        if not m:
            raise
        raise StepFailed(f"{exc} (each browser wait gives up after {int(m.group(1)) / 1000:g} s; on a slow machine "
                         f"raise it with MLFLOW_LABS_BROWSER_STEP_TIMEOUT=<seconds>)") from None


def ui(ctx, fragment: str) -> str:
    return ctx["uri"].rstrip("/") + "/#/" + fragment.lstrip("/")


def close_assistant(page) -> None:
    """The MLflow Assistant side panel (3.17) takes a third of the page; close it when it shows."""
    close = page.locator("[data-assistant-ui='true'] button[aria-label='Close']")
    if close.count() and close.first.is_visible():
        close.first.click()
        close.first.wait_for(state="hidden")


# Every screenshot the checks take, one per view (the README shows some of them; tests/unit checks its images
# are among these and the viewport's size). shot() refuses other names, so this list cannot drift.
SCREENSHOTS = ("01-overview", "02-model-training", "03-sorted-by-metric", "04-compare", "05-scatter", "06-box",
               "07-run-commit", "08-artifacts", "09-run-overview", "10-system-metrics-cpu", "11-system-metrics-memory")


def shot(ctx, name: str) -> str:
    assert name in SCREENSHOTS, f"screenshot {name!r} is not in SCREENSHOTS"
    return str(browser(ctx).screenshot(name))


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


# -- the UI has moved since the notes (ERRATA 8) -----------------------------------------------
@suite.check("the experiment opens on the GenAI Overview; 'Model training' leads to its runs",
             hint="Step 3: open the experiment, then click `Model training` (top left) to see the runs table")
def _moved_ui(ctx):
    exp_id = need(ctx, "exp_id", "the experiment")
    names = [rest.run_name(r) for r in ctx["runs"]]
    with step(ctx, "01-overview") as page:
        browser(ctx).goto(ui(ctx, f"experiments/{exp_id}"), lambda p: p.get_by_text("Model training", exact=True))
        page.get_by_role("heading", name="Overview").first.wait_for()
        require(re.search(r"/overview", page.url), f"the experiment opened on {page.url}, not its Overview page")
        close_assistant(page)
        page.get_by_text("Latency", exact=True).first.wait_for()  # the GenAI charts, past their loading skeletons
        shot(ctx, "01-overview")
        page.get_by_text("Model training", exact=True).first.click()
        page.get_by_text(names[0], exact=True).first.wait_for()
        require("/runs" in page.url, f"'Model training' led to {page.url}, not the runs table")
        close_assistant(page)
        return f"Overview first; 'Model training' shows the runs table; screenshot {shot(ctx, '02-model-training')}"


FIRST_ROW_NAMES = """() => [...document.querySelectorAll(".ag-row[row-index='0']")]
    .flatMap(r => r.innerText.split("\\n").map(t => t.trim()))"""


def _first_row_names(page, names: list[str]) -> list[str]:
    """Run names in the row the table shows first (AG Grid's row-index 0, not DOM order)."""
    return [t for t in page.evaluate(FIRST_ROW_NAMES) if t in names]


@suite.check(f"sorted by {METRIC} (descending), the UI lists the best run first",
             hint=f"Step 3: in the runs table click `Sort: Created`, choose `{METRIC}`, arrow down (highest first)")
def _best_first(ctx):
    best = need(ctx, "best", "the best run")
    exp_id = ctx["exp_id"]
    name = rest.run_name(best)
    with step(ctx, "03-sorted-by-metric") as page:
        browser(ctx).goto(ui(ctx, f"experiments/{exp_id}/runs"), lambda p: p.get_by_role("button", name=re.compile("^Sort")))
        close_assistant(page)
        page.get_by_role("button", name=re.compile("^Sort")).first.click()
        page.get_by_test_id(f"sort-select-{METRIC}").click()
        page.keyboard.press("Escape")
        page.get_by_role("button", name=f"Sort: {METRIC}").wait_for()
        require("orderByAsc=false" in page.url, f"the sort is not descending ({page.url})")
        # the grid re-renders (and animates) after the sort: wait until row 0 shows the best run and no
        # other run, or time out and report what row 0 shows
        # every run of the experiment (a crashed or running one too): the first row may be any of them
        names = list(dict.fromkeys(rest.run_name(r) for r in ctx["client"].search_runs([exp_id])))
        try:
            page.wait_for_function(f"names => {{ const seen = ({FIRST_ROW_NAMES})().filter(t => names.includes(t));"
                                   f" return seen.length > 0 && seen.every(t => t === names[0]); }}",
                                   arg=[name, *[n for n in names if n != name]], timeout=browser(ctx).step_timeout_ms)
        except Exception:  # noqa: BLE001 - the check's own message says what is first instead
            pass
        first = _first_row_names(page, names)
        require(first and set(first) == {name}, f"first row shows {first}; the best run by {METRIC} is {name!r}")
        return f"first row: {name}; screenshot {shot(ctx, '03-sorted-by-metric')}"


# -- bullet (a): select runs, Compare ------------------------------------------------------------
# The compare page's "Run details" table: one row per field (its label in a <th>), one <td> per run, the
# columns in the order of the "Run Name:" row. Read as {row label: [cell text, ...]} in one pass.
COMPARE_ROWS = """() => Object.fromEntries([...document.querySelectorAll("tr")]
    .filter(tr => tr.querySelector("th") && tr.querySelector("td"))
    .map(tr => [tr.querySelector("th").innerText.trim(),
                [...tr.querySelectorAll("td")].map(td => td.innerText.trim())]))"""
# Its metrics are two virtualized grids (MLflow 3.17): the names (each a "Plot chart" link), and the values,
# one absolutely placed cell per (metric, run). Rows by `top`, runs by `left`, in the table's column order.
COMPARE_METRICS = """() => {
    const grids = [...document.querySelectorAll('.ReactVirtualized__Grid__innerScrollContainer')];
    const names = grids.find(g => g.querySelector('a[title="Plot chart"]'));
    const values = grids.find(g => g !== names && g.children.length);
    if (!names || !values) return {};
    const cells = g => [...g.children].map(c => ({top: parseFloat(c.style.top) || 0,
                                                   left: parseFloat(c.style.left) || 0, text: c.innerText.trim()}));
    const keys = cells(names).sort((a, b) => a.top - b.top).map(c => c.text);
    const rows = {};
    for (const c of cells(values)) (rows[c.top] = rows[c.top] || []).push(c);
    const ordered = Object.keys(rows).map(Number).sort((a, b) => a - b)
        .map(t => rows[t].sort((a, b) => a.left - b.left).map(c => c.text));
    return Object.fromEntries(keys.map((k, i) => [k, ordered[i] || []]));
}"""


def _number(text: str) -> float | None:
    m = re.fullmatch(r"-?\d+(?:\.\d+)?(?:e-?\d+)?", text.strip())
    return float(m.group(0)) if m else None


def compare_problems(rows: dict[str, list[str]], metric_rows: dict[str, list[str]], compared: list[dict]) -> list[str]:
    """What the compare page shows wrongly for the compared runs: each run's name, params (``rows``) and
    METRIC (``metric_rows``) read from the cell in THAT run's column (a value elsewhere in the row, or a
    number that merely contains it, does not count). Empty: every cell is right."""
    names = rows.get("Run Name:") or rows.get("Run Name") or []
    problems = []
    for r in compared:
        name = rest.run_name(r)
        if name not in names:
            problems.append(f"run {name!r} has no column on the compare page (columns: {names})")
            continue
        col = names.index(name)

        def cell(label: str, table: dict = rows) -> str | None:
            cells = table.get(label)
            return cells[col] if cells is not None and col < len(cells) else None
        for key, value in rest.params(r).items():
            shown = cell(key)
            if shown is None:
                problems.append(f"param {key!r} has no row on the compare page")
            elif shown != value:
                problems.append(f"param {key} of {name} is {value!r}; its column shows {shown!r}")
        want = rest.metrics(r)[METRIC]
        shown = cell(METRIC, metric_rows)
        got = _number(shown) if shown is not None else None
        if shown is None:
            problems.append(f"metric {METRIC!r} has no row on the compare page")
        elif got is None or abs(got - want) >= 6e-4:  # the UI rounds to 3 decimals
            problems.append(f"{METRIC} of {name} is {want:.4f}; its column shows {shown!r}")
    return problems


@suite.check("(a) select runs, Compare: names, params and metrics side by side",
             hint="Step 4: in the runs table tick two or more runs' boxes, then click `Compare`")
def _compare(ctx):
    compared = need(ctx, "compared", "runs to compare")
    exp_id = ctx["exp_id"]
    with step(ctx, "04-compare") as page:
        browser(ctx).goto(ui(ctx, f"experiments/{exp_id}/runs"), lambda p: p.get_by_role("button", name=re.compile("^Sort")))
        close_assistant(page)
        for r in compared:
            # the row's checkbox input is hidden behind its styled wrapper: tick it as a click would
            page.locator(f".ag-row[row-id='{r['info']['run_id']}'] input[type=checkbox]").first.check(force=True)
        page.get_by_role("button", name="Compare", exact=True).click()
        page.get_by_text(f"Comparing {len(compared)} Runs from 1 Experiment").wait_for()
        page.get_by_text("Run details").first.wait_for()
        close_assistant(page)
        ctx["compare_url"] = page.url
        problems = compare_problems(page.evaluate(COMPARE_ROWS), page.evaluate(COMPARE_METRICS), compared)
        require(not problems, "; ".join(problems[:4]) + (f" (and {len(problems) - 4} more)" if len(problems) > 4 else ""))
        # the screenshot shows the side-by-side table, not the plot above it
        page.get_by_text("Run details").first.evaluate("e => e.scrollIntoView({block: 'start'})")
        return f"{len(compared)} runs side by side; screenshot {shot(ctx, '04-compare')}"


# -- bullet (b): scatter and box plots -----------------------------------------------------------
def _pick(page, selector_id: str, option: str) -> None:
    page.locator(f"#{selector_id}").last.click()
    page.get_by_role("option", name=option, exact=True).click()


def _plot_data(page) -> list[dict]:
    """The traces plotly drew in the visible plot: what the person sees as points and boxes."""
    return page.evaluate("""() => {
        const gd = [...document.querySelectorAll('.js-plotly-plot')].find(e => e.offsetParent !== null);
        return gd && gd.data ? gd.data.map(t => ({type: t.type, name: t.name || '', x: [...(t.x || [])],
                                                  y: [...(t.y || [])], text: [...(t.text || [])]})) : [];
    }""")


@suite.check(f"(b) a scatter plot ({SCATTER_PARAM} vs {METRIC}) and a box plot ({METRIC} by {BOX_PARAM}) show the runs",
             hint="Step 5: on the compare page, the `Scatter Plot` tab (X a param, Y the metric), then `Box Plot`")
def _plots(ctx):
    compared, url = need(ctx, "compared", "runs to compare"), need(ctx, "compare_url", "the compare page")
    with_param = [r for r in compared if SCATTER_PARAM in rest.params(r)]
    require(len(with_param) >= 2, f"fewer than 2 compared runs have param {SCATTER_PARAM!r} to plot")
    with step(ctx, "05-scatter") as page:
        browser(ctx).goto(url, lambda p: p.get_by_role("tab", name="Scatter Plot"))
        close_assistant(page)
        page.get_by_role("tab", name="Scatter Plot").click()
        _pick(page, "x-axis-selector", SCATTER_PARAM)
        _pick(page, "y-axis-selector", METRIC)
        page.locator(".js-plotly-plot .xtitle", has_text=SCATTER_PARAM).first.wait_for()
        page.locator(".js-plotly-plot .ytitle", has_text=METRIC).first.wait_for()
        points = {(float(x), round(float(y), 6)) for t in _plot_data(page) for x, y in zip(t["x"], t["y"])}
        want = {(float(rest.params(r)[SCATTER_PARAM]), round(rest.metrics(r)[METRIC], 6)) for r in with_param}
        require(want <= points, f"scatter points {sorted(points)} lack the runs' {sorted(want - points)}")
        scatter = shot(ctx, "05-scatter")
    with step(ctx, "06-box") as page:
        page.get_by_role("tab", name="Box Plot").click()
        _pick(page, "x-axis-selector", BOX_PARAM)
        _pick(page, "y-axis-selector", METRIC)
        page.locator(".js-plotly-plot .ytitle", has_text=METRIC).first.wait_for()
        page.locator(".js-plotly-plot .boxlayer .trace").first.wait_for()
        groups = {t["name"]: sorted(round(float(y), 6) for y in t["y"]) for t in _plot_data(page) if t["type"] == "box"}
        want: dict[str, list] = {}
        for r in compared:
            if BOX_PARAM in rest.params(r):
                want.setdefault(rest.params(r)[BOX_PARAM], []).append(round(rest.metrics(r)[METRIC], 6))
        require({k: sorted(v) for k, v in want.items()} == groups, f"box plot groups {groups}, runs give {want}")
        for g in groups:  # the legend names each box
            page.locator(".js-plotly-plot .legend", has_text=g).first.wait_for()
        return f"scatter {len(want)} groups/{len(with_param)} points; screenshots {scatter}, {shot(ctx, '06-box')}"


# -- bullets (c), (d), (e): one run's pages ------------------------------------------------------
def _run_page(ctx, tab: str = ""):
    best = need(ctx, "best", "the best run")
    path = f"experiments/{ctx['exp_id']}/runs/{best['info']['run_id']}" + (f"/{tab}" if tab else "")
    return best, path


@suite.check("(c) the run page shows the git commit the run was logged from",
             hint="Step 2: commit train.py in a git repo and run it from there (MLflow records the commit)")
def _commit(ctx):
    best, path = _run_page(ctx)
    commit = rest.tags(best).get("mlflow.source.git.commit")
    require(commit, f"run {rest.run_name(best)} has no mlflow.source.git.commit tag: it was not run inside a git repo")
    with step(ctx, "07-run-commit") as page:
        browser(ctx).goto(ui(ctx, path), lambda p: p.get_by_text("About this run"))
        close_assistant(page)
        page.get_by_text(commit[:7], exact=True).first.wait_for()
        return f"commit {commit[:7]} shown; screenshot {shot(ctx, '07-run-commit')}"


@suite.check(f"(d) the run's Artifacts view lists {ARTIFACT}",
             hint=f"Step 2: train.py must mlflow.log_artifact('{ARTIFACT}')")
def _artifacts(ctx):
    best, path = _run_page(ctx, "artifacts")
    files = [f["path"] for f in ctx["client"].list_artifacts(best["info"]["run_id"])]
    require(ARTIFACT in files, f"run {rest.run_name(best)} has artifacts {files}, not {ARTIFACT}")
    with step(ctx, "08-artifacts") as page:
        browser(ctx).goto(ui(ctx, path), lambda p: p.get_by_role("tab", name="Artifacts"))
        close_assistant(page)
        page.get_by_text(ARTIFACT, exact=True).first.wait_for()
        page.get_by_text(ARTIFACT, exact=True).first.click()  # selecting it shows its details (size, path)
        return f"{ARTIFACT} listed; screenshot {shot(ctx, '08-artifacts')}"


def _seconds(shown: str) -> float | None:
    m = re.fullmatch(r"([\d.]+)(ms|s|min|h)", shown.strip())
    if not m:
        return None
    return float(m.group(1)) * {"ms": 0.001, "s": 1, "min": 60, "h": 3600}[m.group(2)]


# The traces of the plot inside one chart card: the innermost element holding both the chart's title and a plot.
CHART_DATA = """(title) => {
    const plots = [...document.querySelectorAll('.js-plotly-plot')].filter(e => e.offsetParent !== null);
    const cards = plots.map(p => { let e = p.parentElement;
        while (e && ![...e.querySelectorAll('*')].some(x => x.children.length === 0 && x.innerText
                                                         && x.innerText.trim() === title)) e = e.parentElement;
        return e ? {plot: p, depth: e.querySelectorAll('*').length} : null; }).filter(Boolean);
    if (!cards.length) return null;
    const gd = cards.sort((a, b) => a.depth - b.depth)[0].plot;
    return (gd.data || []).map(t => ({name: t.name || '', y: [...(t.y || [])]}));
}"""


def chart_problems(traces: list[dict] | None, title: str, history: list[dict]) -> list[str]:
    """What is wrong with the chart titled ``title`` against the run's recorded values of that metric:
    no chart, no points, or a plotted value the run never recorded (another metric, another run)."""
    if traces is None:
        return [f"no chart titled {title!r} with a plot"]
    plotted = [float(y) for t in traces for y in t["y"] if y is not None]
    if not plotted:
        return [f"the chart {title!r} plots no point"]
    recorded = [float(m["value"]) for m in history]
    strangers = [y for y in plotted if not any(abs(y - v) <= 1e-6 * max(1.0, abs(v)) for v in recorded)]
    if strangers:
        return [f"the chart {title!r} plots {len(strangers)} value(s) the run did not record for it "
                f"(e.g. {strangers[0]:g}; recorded: {', '.join(f'{v:g}' for v in recorded[:5])})"]
    return []


@suite.check("(e) the run page shows its duration and system info, and CPU and memory charts",
             hint="Step 2: start the run with log_system_metrics=True (psutil installed) and set the sys.* tags")
def _system(ctx):
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
        shown, real = _seconds(m.group(1)), (info["end_time"] - info["start_time"]) / 1000
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


# -- the entry point -----------------------------------------------------------------------------
def open_session(shots: Path | str, step_timeout_ms: int | None = None) -> BrowserSession:
    """A started browser session for run_checks (which opens one itself when it is not given one)."""
    session = BrowserSession(Path(shots), step_timeout_ms=step_timeout_ms or settings.browser_step_timeout_ms())
    session.start()
    # MLflow 3.17's "Detect Issues" pop-up greys out the page a moment after the Overview loads
    # (first visit); whenever it shows, Playwright dismisses it before the next action, as a person would
    session.page.add_locator_handler(session.page.get_by_role("button", name="Got it"), lambda b: b.click())
    return session


def first_visit(session: BrowserSession, uri: str, remembered: dict[str, str] | None = None) -> None:
    """Make a shared browser's next check run a first visit, as a fresh browser's is: MLflow's UI keeps choices
    in the browser's storage (the GenAI / Model training toggle, `mlflow.workflowType_v1`, decides where an
    experiment opens), so one run's clicks would otherwise decide the next run's pages. ``remembered``: what
    the browser holds instead (localStorage key -> stored text), as a returning person's would."""
    with session.step("first-visit") as page:
        page.context.clear_cookies()
        page.goto(uri.rstrip("/") + "/", wait_until="domcontentloaded")
        page.evaluate("kv => { localStorage.clear(); sessionStorage.clear();"
                      " for (const [k, v] of Object.entries(kv)) localStorage.setItem(k, v); }", remembered or {})
        page.goto("about:blank")  # the next goto loads the app afresh, reading the storage as set here


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
    ensure_ui(uri)
    shots = Path(shots) if shots else (session.shots if session else default_shots_dir())
    for old in shots.glob("[0-9][0-9]-*.png"):  # a previous run's screenshots (its FAILED ones too) would mislead
        old.unlink()
    own = session is None
    try:
        if own:
            session = open_session(shots, step_timeout_ms)
        else:
            first_visit(session, uri, remembered)
        results = suite.run(uri, browser=session, **options)
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


__all__ = ["run_checks", "open_session", "suite", "ensure_ui", "StepFailed", "CheckFailed"]
