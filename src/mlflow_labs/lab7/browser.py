"""Signing people in and out of MLflow through the identity provider, in ONE headless Chromium window
(Playwright), as the README has a learner do it: one browser, one cookie jar, one person after the
other, each signing out of both MLflow and the IdP before the next signs in.

The provider's login page is oidc-provider's development form (any password: the company IdP checks
passwords, the lab checks what MLflow does with the identity it is handed); its consent page follows;
MLflow's /callback then lands on the plugin's user page, or on its refusal. Signing out is MLflow's
**Logout** (it ends MLflow's session and hands the browser to the IdP), then the IdP's **Yes, sign me
out**, which ends the IdP's session and shows the lab IdP's "Signed out" page. Someone MLflow refused
has no MLflow session: they sign out at the IdP's own /session/end, as the README says. Without that,
the IdP still knows the last person, and the next /login signs them straight back in: `login` fails
saying so instead of signing in the wrong person.
"""

from __future__ import annotations

import time
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
SIGNED_OUT = "You are signed out of"      # the lab IdP's page after "Yes, sign me out" (idp.mjs)
SIGN_OUT_BUTTON = "Yes, sign me out"      # oidc-provider's sign-out confirmation
IDP_ERROR = "oops! something went wrong"  # oidc-provider's error page
MLFLOW_SIGN_IN = "/oidc/ui/auth"          # the plugin's sign-in page


def find_chromium() -> str:
    return _find_chromium("Lab 7 signs in through a real browser", who="lab 7", fix=CHROMIUM_FIX)


@dataclass
class Login:
    """What one sign-in ended on: the page's URL and text, and the browser's cookies for MLflow then."""
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
    """One Chromium window; ``mlflow`` and ``idp`` are the two servers' base URLs."""

    def __init__(self, shots: Path, *, mlflow: str, idp: str):
        self.shots = Path(shots)
        self.mlflow, self.idp = mlflow.rstrip("/"), idp.rstrip("/")
        self._pw = self._browser = self.context = self.page = None
        self.screenshots: list[Path] = []
        self.signed_in: str | None = None   # who the IdP may still know in this browser
        self.sign_ins = 0

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
        self.context = self._browser.new_context(viewport={"width": 1280, "height": 800})
        self.context.set_default_timeout(STEP_MS)
        self.page = self.context.new_page()

    def close(self) -> None:
        for closer in (lambda: self._browser and self._browser.close(), lambda: self._pw and self._pw.stop()):
            try:
                closer()
            except Exception:  # noqa: BLE001 - a crashed browser may fail to close; nothing is left to do
                pass
        self._browser = self._pw = self.context = self.page = None

    stop = close   # Service: a failed start and the end of a `with` close the browser

    def shot(self, page, name: str) -> Path:
        path = self.shots / f"{name}.png"
        page.screenshot(path=str(path), timeout=30_000)
        self.screenshots.append(path)
        return path

    def _failed(self, person: str, what: str, exc: Exception) -> LabError:
        from playwright.sync_api import Error as PlaywrightError
        where = self.page.url
        try:
            self.shot(self.page, f"{person}-FAILED")
        except PlaywrightError:
            pass
        return LabError(f"{what} of {person} did not finish (at {where}): {str(exc).splitlines()[0]}. "
                        f"Screenshot: {self.shots / (person + '-FAILED.png')}")

    def login(self, person: str, *, shots: str | None = None) -> Login:
        """Sign out whoever was signed in, open MLflow's /login, sign in as ``person`` at the provider's form,
        consent, and return where it ended. ``shots``: a prefix for screenshots of the form and the page."""
        from playwright.sync_api import Error as PlaywrightError
        if self.signed_in:
            self.sign_out()
        page = self.page
        try:
            page.goto(f"{self.mlflow}/login", wait_until="domcontentloaded")
            form = page.locator("input[name=login]")
            try:
                form.wait_for(state="visible")
            except PlaywrightError:
                raise LabError(f"MLflow's /login showed no login form for {person} (at {page.url}: "
                               f"{page.inner_text('body')[:160]!r}): the IdP still knows the person signed in "
                               f"before, so signing in as someone else in this browser is impossible") from None
            form.fill(person)
            page.fill("input[name=password]", "any-password-the-dev-form-ignores")
            if shots:
                self.shot(page, f"{shots}-provider-login")
            page.click("button[type=submit]")
            self.signed_in = person   # at the IdP, whatever MLflow makes of it
            page.get_by_role("button", name="Continue").click()  # the provider's consent page
            page.wait_for_url(f"{self.mlflow}/**", wait_until="domcontentloaded")
            # the user page fills in from the API; a refusal is a page of its own
            page.get_by_text("Groups").or_(page.get_by_text(REFUSED)).first.wait_for(state="visible")
            if shots:
                self.shot(page, f"{shots}-mlflow")
            self.sign_ins += 1
            return Login(person, page.url, page.inner_text("body"), self.context.cookies(self.mlflow), self.context)
        except PlaywrightError as exc:
            raise self._failed(person, "The browser sign-in", exc) from None

    def sign_out(self, *, shots: str | None = None) -> str:
        """MLflow's Logout (or, for someone MLflow refused, the IdP's /session/end), then the IdP's
        "Yes, sign me out"; returns the text of the page it ends on (it says the person is signed out).

        MLflow's Logout reaches the IdP only while MLflow's session is alive: for a session already over
        (the check logged it out, Step 7) it goes straight back to MLflow's sign-in page, and the IdP still
        knows the person. Then, as the README says, the IdP's own /session/end signs them out."""
        from playwright.sync_api import Error as PlaywrightError
        page, who = self.page, self.signed_in or "nobody"
        try:
            if page.url.startswith(self.mlflow) and self.logout_link().count():
                self.click_logout()
            else:
                page.goto(f"{self.idp}/session/end", wait_until="domcontentloaded")
            if not self._confirm_sign_out():
                page.goto(f"{self.idp}/session/end", wait_until="domcontentloaded")
                if not self._confirm_sign_out():
                    raise LabError(f"the IdP's sign-out ended on {page.url}: {page.inner_text('body')[:200]!r}")
            if shots:
                self.shot(page, shots)
            self.signed_in = None
            return page.inner_text("body")
        except PlaywrightError as exc:
            raise self._failed(who, "Signing out", exc) from None

    def logout_link(self):
        return self.page.get_by_role("link", name="Logout", exact=True)

    def click_logout(self) -> None:
        """Click MLflow's **Logout** and see the browser leave the page. A click landing while the plugin's
        page is still re-rendering its header is lost (seen here: the page stays put); click again."""
        page, before = self.page, self.page.url
        for _ in range(3):
            self.logout_link().first.click()
            try:
                page.wait_for_url(lambda url: url != before, timeout=10_000)
                return
            except Exception:  # noqa: BLE001 - Playwright's timeout: still on the page; try once more
                continue
        raise LabError(f"clicking MLflow's Logout three times left the browser at {page.url}")

    def _confirm_sign_out(self) -> bool:
        """True once the IdP's page says the person is signed out; False where the sign-out did not reach
        the IdP (MLflow's own sign-in page came back instead) or the IdP refused it (its error page: an ID
        token hint signed with a key it no longer has, after a restart)."""
        from playwright.sync_api import Error as PlaywrightError
        page = self.page
        yes = page.get_by_role("button", name=SIGN_OUT_BUTTON)
        done, error = page.get_by_text(SIGNED_OUT), page.get_by_text(IDP_ERROR)
        deadline = time.monotonic() + STEP_MS / 1000
        while time.monotonic() < deadline:
            try:
                if done.count() and done.first.is_visible():
                    return True
                if error.count() and error.first.is_visible() or page.url.startswith(f"{self.mlflow}{MLFLOW_SIGN_IN}"):
                    return False
                if yes.count() and yes.first.is_visible():
                    yes.first.click()
            except PlaywrightError as exc:   # a page navigating away between two looks: look again
                if "context was destroyed" not in str(exc) and "navigat" not in str(exc):
                    raise
            page.wait_for_timeout(200)
        raise LabError(f"signing out never reached a page saying \"{SIGNED_OUT} ...\" within {STEP_MS // 1000} s "
                       f"(at {page.url}: {page.inner_text('body')[:200]!r})")
