"""A real, headless chromium driven by Playwright: what lab 5's checks look through.

Playwright's own browser download cannot work everywhere (not here: no internet but package
registries), so this drives the system's chromium (Debian's `chromium` package). Every wait has a
limit; a step that fails (timeout, crash, missing element) carries the page's last console errors
and a screenshot, so a failure is never a hang and never a bare "timed out".
"""

from __future__ import annotations

import re
import time
from contextlib import contextmanager
from pathlib import Path

from mlflow_labs.harness import cost
from mlflow_labs.errors import LabError, PrerequisiteMissing
from mlflow_labs.infra.browser import (CANDIDATES, INSTALL_FIX, LAUNCH_ARGS, NETWORK_CHANGED,  # noqa: F401 - lab 5's names
                                       chromium_version)
from mlflow_labs.infra.browser import find_chromium as _find_chromium
from mlflow_labs.infra.service import Service

VIEWPORT = {"width": 1440, "height": 900}
STEP_TIMEOUT_MS = 30_000      # one element wait (the UI answers in seconds; the machine may be loaded)
LAUNCH_TIMEOUT_MS = 60_000


def find_chromium() -> str:
    """The browser binary: MLFLOW_LABS_CHROMIUM when set (must exist), else the first one on PATH."""
    return _find_chromium("Lab 5 checks the MLflow UI in a real browser", who="lab 5")


class StepFailed(LabError):
    """A browser step did not show what it should; the message names the screenshot and console errors."""


class BrowserSession(Service):
    """One headless chromium with one page. ``shots`` is where screenshots go.

    ``timings`` gathers "browser start" and "page loads" seconds (the lab's report phases); ``network_resets``
    counts the requests Chromium dropped because the machine's network changed (the checks' Retry reads it).
    """

    def __init__(self, shots: Path, *, step_timeout_ms: int = STEP_TIMEOUT_MS, executable: str | None = None):
        self.shots = Path(shots)
        self.step_timeout_ms = step_timeout_ms
        self.executable = executable
        self.timings: dict[str, float] = {}
        self.screenshots: list[Path] = []
        self.console: list[str] = []
        self.crashed = False
        self.network_resets = 0
        self._pw = self._browser = self.page = None

    def _time(self, phase: str, seconds: float) -> None:
        self.timings[phase] = round(self.timings.get(phase, 0) + seconds, 2)

    # -- lifecycle ------------------------------------------------------------------------------
    def _start(self) -> None:
        exe = self.executable or find_chromium()
        try:
            from playwright.sync_api import sync_playwright
        except ImportError:
            raise PrerequisiteMissing("Lab 5 drives the browser with Playwright, which is not installed.",
                                      INSTALL_FIX) from None
        from playwright.sync_api import Error as PlaywrightError
        self.shots.mkdir(parents=True, exist_ok=True)
        t0 = time.monotonic()
        try:
            self._pw = sync_playwright().start()
            cost.count(cost.BROWSER, "lab5")
            self._browser = self._pw.chromium.launch(executable_path=exe, args=LAUNCH_ARGS, headless=True,
                                                     timeout=LAUNCH_TIMEOUT_MS)
        except PlaywrightError as exc:
            self.close()
            raise LabError(f"The browser {exe} did not start: {first_line(str(exc))}. Check that it runs "
                           f"(`{exe} --headless --no-sandbox --dump-dom about:blank`).") from None
        context = self._browser.new_context(viewport=VIEWPORT)
        context.set_default_timeout(self.step_timeout_ms)
        context.set_default_navigation_timeout(max(self.step_timeout_ms, 60_000))
        self.page = context.new_page()
        self.page.on("console", lambda m: m.type == "error" and self.console.append(m.text[:300]))
        self.page.on("pageerror", lambda e: self.console.append(f"page error: {str(e)[:300]}"))
        self.page.on("crash", lambda _p: self._crash())
        self.page.on("requestfailed", self._request_failed)
        self._time("browser start", time.monotonic() - t0)

    def _request_failed(self, request) -> None:
        if request.failure == NETWORK_CHANGED:
            self.network_resets += 1

    def _crash(self) -> None:
        self.crashed = True
        self.console.append("the browser tab crashed")

    def close(self) -> None:
        for closer in (self._browser, self._pw):
            if closer is None:
                continue
            try:
                closer.close() if closer is self._browser else closer.stop()
            except Exception:  # noqa: BLE001 - closing a crashed browser may itself fail; nothing left to do
                pass
        self._browser = self._pw = self.page = None

    stop = close   # Service: a failed start and the end of a `with` close the browser

    # -- what steps use -------------------------------------------------------------------------
    def goto(self, url: str, wait_for=None) -> None:
        """Open ``url`` and wait until ``wait_for`` (a locator) is visible; timed as a page load.

        The UI keeps polling the server, so "network idle" never comes: wait for an element instead.
        """
        t0 = time.monotonic()
        self.page.goto(url, wait_until="domcontentloaded")
        if wait_for is not None:
            wait_for(self.page).first.wait_for(state="visible")
        self._time("page loads", time.monotonic() - t0)

    def screenshot(self, name: str, full_page: bool = False) -> Path:
        path = self.shots / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=full_page, timeout=15_000)
        if path not in self.screenshots:
            self.screenshots.append(path)
        return path

    @contextmanager
    def step(self, name: str):
        """Any browser error inside becomes StepFailed with the console errors and a failure screenshot."""
        mark = len(self.console)
        try:
            yield self.page
        except Exception as exc:  # noqa: BLE001 - timeouts, crashes, failed expectations: all end the step
            if isinstance(exc, StepFailed):
                raise
            raise StepFailed(self.failure_message(name, exc, mark)) from None

    def failure_message(self, name: str, exc: BaseException, mark: int = 0) -> str:
        text = str(exc)
        what = first_line(text) or type(exc).__name__
        waiting = re.search(r"waiting for (.+)", text)  # Playwright's call log names the element it waited for
        if waiting:
            what = f"{what} (waiting for {waiting.group(1).strip()})"
        if self.crashed:
            what = f"the browser tab crashed ({what})"
        shot = "none (the page could not be captured)"
        if self.page is not None and not self.crashed:
            try:
                shot = str(self.screenshot(f"{name}-FAILED"))
            except Exception:  # noqa: BLE001 - a dead page cannot be captured; say so instead
                pass
        errors = self.console[mark:][-5:] or self.console[-5:]
        console = "; ".join(errors) if errors else "none"
        return f"{what}. Screenshot: {shot}. Browser console errors: {console}"


def first_line(text: str) -> str:
    lines = [ln.strip() for ln in re.sub(r"\x1b\[[0-9;]*m", "", text).splitlines() if ln.strip()]
    return lines[0] if lines else ""
