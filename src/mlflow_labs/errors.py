"""Errors a learner or CI maintainer reads: one paragraph naming what is wrong and what to do."""


class LabError(Exception):
    """A user-facing failure. The message is the whole story; no traceback is needed to act on it."""


class PrerequisiteMissing(LabError):
    """Something a lab needs is not on this machine. ``fix`` is the command or step that provides it."""

    def __init__(self, what: str, fix: str):
        self.what = what
        self.fix = fix
        super().__init__(f"{what} Fix: {fix}")


class StartupError(LabError):
    """A service did not become ready; the message carries the tail of its log."""


def tail(text: str, lines: int = 20) -> str:
    """The last ``lines`` lines of ``text``, for error messages."""
    return "\n".join(text.rstrip().splitlines()[-lines:])


def tail_file(path, lines: int = 20) -> str:
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            return tail(fh.read(), lines)
    except OSError:
        return "(no log)"
