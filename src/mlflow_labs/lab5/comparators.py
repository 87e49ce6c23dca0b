"""Lab 5's pure comparisons: what the UI shows (lab5/extractors.py) against what the REST API recorded, and
the runs against the README's story. No browser here: tests/unit/test_lab5_check_reading.py feeds them
pages' readings directly, tests/unit/test_lab5_story.py runs that tell other stories."""

from __future__ import annotations

import re

from mlflow_labs.harness import client as rest
from mlflow_labs.lab5.story import BOX_PARAM, CLEAN, METRIC, MODEL_PARAM, RAW, WINNER


def number(text: str) -> float | None:
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
        got = number(shown) if shown is not None else None
        if shown is None:
            problems.append(f"metric {METRIC!r} has no row on the compare page")
        elif got is None or abs(got - want) >= 6e-4:  # the UI rounds to 3 decimals
            problems.append(f"{METRIC} of {name} is {want:.4f}; its column shows {shown!r}")
    return problems


def seconds(shown: str) -> float | None:
    m = re.fullmatch(r"([\d.]+)(ms|s|min|h)", shown.strip())
    if not m:
        return None
    return float(m.group(1)) * {"ms": 0.001, "s": 1, "min": 60, "h": 3600}[m.group(2)]


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


def _described(values: dict) -> str:
    return f"{values.get(MODEL_PARAM) or '(no model param)'} on the {values.get(BOX_PARAM) or '(no data param)'} data"


def model_and_data(run: dict) -> str:
    """What the run is, in the story's words: "gradient_boosting on the clean data"."""
    return _described(rest.params(run))


def data_boxes(runs: list[dict]) -> dict[str | None, list[float]]:
    """The box plot of METRIC by BOX_PARAM, as numbers: data version -> the METRIC of each of its runs."""
    boxes: dict[str | None, list[float]] = {}
    for r in runs:
        boxes.setdefault(rest.params(r).get(BOX_PARAM), []).append(rest.metrics(r)[METRIC])
    return boxes


def story_problems(runs: list[dict], best: dict) -> list[str]:
    """Where the runs tell another story than the README's: the best run by METRIC is not WINNER (the model
    and the data behind it), or a clean-data run does not score above every raw-data run (the boxes overlap:
    no gap). ``runs``: the experiment's finished runs with METRIC; ``best``: the one the UI sorts first.
    Empty: the runs tell the README's story."""
    problems = []
    got = {k: rest.params(best).get(k) for k in WINNER}
    if got != WINNER:
        problems.append(f"the best run by {METRIC}, {rest.run_name(best)} ({rest.metrics(best)[METRIC]:.1%}), is "
                        f"{_described(got)}; the README's story has {_described(WINNER)} win")
    boxes = data_boxes(runs)
    missing = [d for d in (CLEAN, RAW) if d not in boxes]
    if missing:
        problems.append(f"no run on the {' or the '.join(missing)} data ({BOX_PARAM}={missing[0]!r}): the box plot "
                        f"has no {CLEAN}-against-{RAW} gap to show")
    elif min(boxes[CLEAN]) <= max(boxes[RAW]):
        problems.append(f"the {CLEAN}-data runs ({min(boxes[CLEAN]):.1%} to {max(boxes[CLEAN]):.1%}) do not all score "
                        f"above the {RAW}-data runs ({min(boxes[RAW]):.1%} to {max(boxes[RAW]):.1%}): the boxes "
                        f"overlap, with no gap between them")
    return problems
