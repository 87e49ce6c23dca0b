"""Signing in to MLflow through the identity provider, in a real headless Chromium (Playwright).

Each person gets a browser context of their own (their own cookie jar), as if on their own machine.
The provider's login page is oidc-provider's development form (any password: the company IdP
checks passwords, the lab checks what MLflow does with the identity it is handed); its consent page
follows; MLflow's /callback then lands on the plugin's user page, or on its refusal.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from mlflow_labs.harness import cost
from mlflow_labs.errors import LabError, PrerequisiteMissing
from mlflow_labs.infra.browser import LAUNCH_ARGS, find_chromium as _find_chromium
from mlflow_labs.infra.service import Service

CHROMIUM_FIX = ("install chromium (`sudo apt-get install chromium`; `sudo scripts/provision-system` does it) "
                "or point MLFLOW_LABS_CHROMIUM at a Chromium/Chrome binary")
STEP_MS = 60_000        # one page or element wait on a loaded machine; never unbounded
REFUSED = "User is not allowed to login"


def find_chromium() -> str:
    return _find_chromium("Lab 7 signs in through a real browser", who="lab 7", fix=CHROMIUM_FIX)


@dataclass
class Login:
    """What one sign-in ended on: the page's URL and text, and the browser's cookies for MLflow."""
    person: str
    url: str
    text: str
    cookies: list[dict] = field(repr=False, default_factory=list)
    context: object = field(repr=False, default=None)

    @property
    def refused(self) -> bool:
        return REFUSED in self.text

    def cookie(self, name: str = "session") -> dict | None:
        return next((c for c in self.cookies if c["name"] == name), None)


class Browser(Service):
    def __init__(self, shots: Path):
        self.shots = Path(shots)
        self._pw = self._browser = None
        self.screenshots: list[Path] = []

    def _start(self) -> None:
        exe = find_chromium()
        try:
            from playwright.sync_api import sync_playwright
        except ImportError:
            raise PrerequisiteMissing("Lab 7 drives the browser with Playwright, which is not installed.",
                                      "pip install playwright (tox's environment has it)") from None
        self.shots.mkdir(parents=True, exist_ok=True)
        self._pw = sync_playwright().start()
        cost.count(cost.BROWSER, "lab7")
        self._browser = self._pw.chromium.launch(executable_path=exe, args=LAUNCH_ARGS, headless=True, timeout=STEP_MS)

    def close(self) -> None:
        for closer in (lambda: self._browser and self._browser.close(), lambda: self._pw and self._pw.stop()):
            try:
                closer()
            except Exception:  # noqa: BLE001 - a crashed browser may fail to close; nothing is left to do
                pass
        self._browser = self._pw = None

    stop = close   # Service: a failed start and the end of a `with` close the browser

    def new_window(self):
        """A fresh browser context (its own cookies: one person's window), with the lab's step timeout."""
        context = self._browser.new_context(viewport={"width": 1280, "height": 800})
        context.set_default_timeout(STEP_MS)
        return context

    def shot(self, page, name: str) -> Path:
        path = self.shots / f"{name}.png"
        page.screenshot(path=str(path), timeout=30_000)
        self.screenshots.append(path)
        return path

    def login(self, mlflow_uri: str, person: str, *, shots: str | None = None) -> Login:
        """Open MLflow's /login, sign in as ``person`` at the provider, consent, and return where it ended.

        ``shots``: a prefix for screenshots of the provider's form and the page MLflow ends on."""
        from playwright.sync_api import Error as PlaywrightError
        context = self.new_window()
        page = context.new_page()
        try:
            page.goto(f"{mlflow_uri}/login", wait_until="domcontentloaded")
            page.fill("input[name=login]", person)
            page.fill("input[name=password]", "any-password-the-dev-form-ignores")
            if shots:
                self.shot(page, f"{shots}-provider-login")
            page.click("button[type=submit]")
            page.get_by_role("button", name="Continue").click()  # the provider's consent page
            page.wait_for_url(f"{mlflow_uri}/**", wait_until="domcontentloaded")
            # the user page fills in from the API; a refusal is a page of its own
            page.get_by_text("Groups").or_(page.get_by_text(REFUSED)).first.wait_for(state="visible")
            if shots:
                self.shot(page, f"{shots}-mlflow")
            return Login(person, page.url, page.inner_text("body"), context.cookies(mlflow_uri), context)
        except PlaywrightError as exc:
            where = page.url
            try:
                self.shot(page, f"{person}-FAILED")
            except PlaywrightError:
                pass
            raise LabError(f"The browser sign-in of {person} did not finish (at {where}): "
                           f"{str(exc).splitlines()[0]}. Screenshot: {self.shots / (person + '-FAILED.png')}") from None
