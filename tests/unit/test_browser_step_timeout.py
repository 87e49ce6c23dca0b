"""Lab 5's browser step timeout is a setting (MLFLOW_LABS_BROWSER_STEP_TIMEOUT, seconds), read when the
checks start; a value that is not a sane number of seconds is one clear error naming the variable."""

from __future__ import annotations

import pytest

from mlflow_labs import settings
from mlflow_labs.errors import LabError

pytestmark = pytest.mark.unit


def test_the_default_is_30_seconds(monkeypatch):
    monkeypatch.delenv("MLFLOW_LABS_BROWSER_STEP_TIMEOUT", raising=False)
    assert settings.browser_step_timeout_ms() == 30_000


@pytest.mark.parametrize("raw, ms", [("45", 45_000), ("2.5", 2_500), ("", 30_000)])
def test_seconds_are_read_from_the_environment(monkeypatch, raw, ms):
    monkeypatch.setenv("MLFLOW_LABS_BROWSER_STEP_TIMEOUT", raw)
    assert settings.browser_step_timeout_ms() == ms


@pytest.mark.parametrize("raw", ["30s", "abc", "0", "-5", "100000"])
def test_a_bad_value_names_the_setting_and_the_fix(monkeypatch, raw):
    monkeypatch.setenv("MLFLOW_LABS_BROWSER_STEP_TIMEOUT", raw)
    with pytest.raises(LabError) as err:
        settings.browser_step_timeout_ms()
    assert f"MLFLOW_LABS_BROWSER_STEP_TIMEOUT={raw!r}" in str(err.value)
    assert "e.g. 60" in str(err.value)


def test_the_settings_list_documents_it():
    assert "MLFLOW_LABS_BROWSER_STEP_TIMEOUT" in settings.__doc__
