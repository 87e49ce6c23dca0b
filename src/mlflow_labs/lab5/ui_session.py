"""How lab 5's checks drive the browser: one session for every check, each browser step named and
screenshot, the UI's addresses, the panels and pop-ups a person closes, and a first visit per run.

What to expect comes from the REST API; what a person sees comes from the UI in headless chromium, by
text and element, never by sleeping (lab5/browser.py: the session itself)."""

from __future__ import annotations

import re
from contextlib import contextmanager
from pathlib import Path

from mlflow_labs import settings
from mlflow_labs.errors import LabError
from mlflow_labs.harness.client import TrackingClient
from mlflow_labs.lab5.browser import BrowserSession, StepFailed


def default_shots_dir() -> Path:
    return settings.current().reports / "lab5"


def ensure_ui(uri: str, client: TrackingClient | None = None) -> None:
    """One-line error unless the server serves MLflow's web UI (a tracking-only server cannot be looked at).

    Asked through the checks' REST client (``client``: grade's, with the learner's credentials and bounds):
    a redirect is not followed but is the learner's error, naming where it pointed, as for every request the
    checks make (harness/client.py); a browser sent on to another server would check a classmate's runs."""
    r = (client or TrackingClient(uri))._request("GET", "/")
    if r.status_code != 200 or 'id="root"' not in r.text:
        raise LabError(f"{uri} answers MLflow's API but does not serve its web UI (GET / answered HTTP "
                       f"{r.status_code}: {' '.join(r.text.split())[:80]!r}); start it with `mlflow server` from "
                       f"the full `mlflow` package (mlflow-skinny has no UI).")


def pick(page, selector_id: str, option: str) -> None:
    """Choose ``option`` in the UI's select ``selector_id`` (a plot's axis), as a person clicks it."""
    page.locator(f"#{selector_id}").last.click()
    page.get_by_role("option", name=option, exact=True).click()


def browser(ctx) -> BrowserSession:
    """The session run_checks opened (one browser for all steps)."""
    return ctx["browser"]


def network_resets(ctx) -> int:
    """How many of the browser's requests Chromium dropped as the machine's network changed (0 without a browser)."""
    return ctx["browser"].network_resets if ctx.get("browser") is not None else 0


def remembered_now(ctx) -> dict[str, str] | None:
    """What the browser remembers for the server now (its localStorage), read from the app's page; None before
    the run's first page (the storage is then the first visit's: run_checks' ``remembered``)."""
    page = browser(ctx).page
    if not page.url.startswith(ctx["uri"].rstrip("/")):
        return None
    try:
        return page.evaluate("() => Object.fromEntries(Object.entries(localStorage))")
    except Exception:  # noqa: BLE001 - a page that cannot answer: the second go starts from the first visit's
        return None


def as_before(ctx, remembered: dict[str, str] | None) -> None:
    """Before a check's second go: the browser remembers what it did before the first go (which may have clicked,
    say, `Model training`, before it failed), and the next goto loads the app anew (a page whose code chunk was
    dropped stays broken, even across the app's own route changes)."""
    try:
        first_visit(browser(ctx), ctx["uri"], ctx.get("remembered") if remembered is None else remembered)
    except StepFailed:
        pass  # a page that cannot even do that (a crashed tab): the second go fails saying why


def wait_ms(ctx) -> int:
    """How long one browser wait of the running check may take: the session's, or the check's own from
    ``fail_fast`` ({check name: ms}; the near-miss states give the check that must fail a short one: the
    browser is warm, and a state that must fail fails in seconds, while every other check keeps the session's)."""
    return (ctx.get("fail_fast") or {}).get(ctx.get("check")) or browser(ctx).step_timeout_ms


TIMED_OUT = re.compile(r"Timeout (\d+)ms exceeded")


@contextmanager
def step(ctx, name: str):
    """A browser step (browser.py's: errors become StepFailed); a wait that timed out also says which setting
    gives the browser more time, so a loaded machine's failure reads as that, not as a UI bug."""
    session, ms = browser(ctx), wait_ms(ctx)
    try:
        with session.step(name) as page:
            if ms != session.step_timeout_ms:
                page.context.set_default_timeout(ms)
            try:
                yield page
            finally:
                if ms != session.step_timeout_ms:
                    page.context.set_default_timeout(session.step_timeout_ms)
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


# -- a session -----------------------------------------------------------------------------
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
