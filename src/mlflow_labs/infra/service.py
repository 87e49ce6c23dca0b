"""Service: what the harness starts and must always stop (a server, a container, a database, a set of pods).

A service says how it comes up (``_start``), how it goes away (``stop``: safe on a half-started service and
when called twice) and what its log says (``log_tail``). The rest is the same for every one, so it is here:
``start()`` stops whatever a failed start left behind before the error goes on; ``with`` starts it and stops
it on leaving, also when the body failed; ``explained(what)`` turns an unexpected exception of a start into
one StartupError paragraph with the last lines of the service's log.
"""

from __future__ import annotations

from contextlib import contextmanager

from mlflow_labs.errors import LabError, StartupError


class Service:
    def _start(self) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def log_tail(self, lines: int = 20) -> str:
        return "(no log)"

    def start(self) -> Service:
        try:
            self._start()
        except BaseException:  # Ctrl-C during a start too: nothing half-started is left running
            self.stop()
            raise
        return self

    @contextmanager
    def explained(self, what: str):
        """Inside, an exception that is not already a LabError becomes a StartupError: ``what``, the exception,
        and the last lines of the service's log (read here, before start() stops it and its log may go)."""
        try:
            yield
        except LabError:
            raise
        except Exception as exc:
            raise StartupError(f"{what}: {type(exc).__name__}: {exc}\nLast lines of its log:\n{self.log_tail()}") from None

    def __enter__(self) -> Service:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
