"""infra/service.py: a start that fails stops what it had started, before its error goes on; an unexpected
exception becomes one StartupError paragraph with the log's last lines; `with` stops also after a failure."""

from __future__ import annotations

import pytest

from mlflow_labs.errors import LabError, StartupError
from mlflow_labs.infra.service import Service

pytestmark = pytest.mark.unit


class Half(Service):
    """Starts one part, then fails with ``error``; records what stop() found."""

    def __init__(self, error: BaseException | None = None, explain: bool = False):
        self.error, self.explain, self.parts, self.stopped = error, explain, [], []

    def log_tail(self, lines: int = 20) -> str:
        return "server log: port taken" if self.parts else "(no log)"

    def _start(self) -> None:
        self.parts.append("process")
        if self.error:
            if self.explain:
                with self.explained("the thing did not start"):
                    raise self.error
            raise self.error

    def stop(self) -> None:
        self.stopped.append(list(self.parts))
        self.parts.clear()


@pytest.mark.parametrize("error", [LabError("no port"), OSError("boom"), KeyboardInterrupt()])
def test_a_failed_start_stops_what_it_started_and_the_error_goes_on(error):
    s = Half(error)
    with pytest.raises(type(error)):
        s.start()
    assert s.stopped == [["process"]] and s.parts == []


def test_an_unexpected_error_is_one_paragraph_with_the_log_and_a_lab_error_stays_itself():
    s = Half(OSError("connection reset"), explain=True)
    with pytest.raises(StartupError) as err:
        s.start()
    assert str(err.value) == ("the thing did not start: OSError: connection reset\n"
                              "Last lines of its log:\nserver log: port taken")
    assert s.stopped == [["process"]]
    with pytest.raises(LabError, match="^no port$"):
        Half(LabError("no port"), explain=True).start()


def test_with_stops_after_the_body_fails():
    s = Half()
    with pytest.raises(RuntimeError):
        with s as started:
            assert started is s and s.parts == ["process"]
            raise RuntimeError("a check failed")
    assert s.stopped == [["process"]]
