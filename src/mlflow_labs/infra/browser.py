"""The system's Chromium for Playwright (labs 5 and 7): where it is, how to launch it, what doctor says.

Playwright's own browser download cannot work everywhere (not here: no internet but package registries),
so the labs drive the system's chromium (Debian's `chromium` package), or MLFLOW_LABS_CHROMIUM."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from mlflow_labs import settings
from mlflow_labs.errors import LabError, PrerequisiteMissing
from mlflow_labs.harness.tools import run_tool

# Debian's package installs /usr/bin/chromium; other distributions name it differently.
CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
# root needs --no-sandbox; the rest keep a CI browser quiet (no GPU, no update or sync traffic)
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
               "--disable-sync", "--no-first-run"]
# What Chromium says of a request it dropped because the machine's network changed under it (an interface or
# address came or went: Docker or Podman starting a container beside the browser does it). Not the server's
# fault: the page loads on a second try. Even loopback requests are dropped.
NETWORK_CHANGED = "net::ERR_NETWORK_CHANGED"
INSTALL_FIX = ("install chromium and Playwright's Python package: `sudo apt-get install chromium` (Debian/Ubuntu; "
               "`sudo scripts/provision-system` does it) and `pip install playwright` (tox does it); "
               "or point MLFLOW_LABS_CHROMIUM at a Chromium/Chrome binary")


def find_chromium(why: str = "This lab drives a real browser", who: str = "this lab", fix: str = INSTALL_FIX) -> str:
    """The browser binary: MLFLOW_LABS_CHROMIUM when set (must exist), else the first one on PATH.
    ``why`` opens the sentence saying none was found; ``who`` ends the one about a bad setting."""
    env = settings.current().chromium
    if env:
        if Path(env).is_file() and os.access(env, os.X_OK):
            return env
        raise PrerequisiteMissing(f"MLFLOW_LABS_CHROMIUM={env} is not an executable file, so {who} has no browser.", fix)
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    raise PrerequisiteMissing(f"{why}, and no Chromium was found (looked for {', '.join(CANDIDATES)} on PATH).", fix)


def chromium_version() -> str | None:
    """For doctor: the browser and Playwright, or None when either is missing."""
    try:
        exe = find_chromium()
        import playwright  # noqa: F401
    except (LabError, ImportError):
        return None
    try:
        out = run_tool([exe, "--version"], timeout=20, check=False).stdout.strip()
    except (OSError, LabError):
        return None
    return out.splitlines()[0] if out else exe
