"""lab7/variants.py's `change_exports`: the README's serve scripts with one setting changed, the rest as typed."""

from __future__ import annotations

import pytest

from mlflow_labs.lab7.variants import change_exports

pytestmark = pytest.mark.unit

IDP = """set -a; . ./lab7-secrets.env; . ./lab7-paths.env; set +a
export IDP_PORT=7707 MLFLOW_URL=http://localhost:7607
exec node "$IDP_DIR/idp.mjs"
"""
MLFLOW = """set -a; . ./lab7-secrets.env; set +a
export OIDC_AUDIENCE=mlflow
export OIDC_SCOPE="openid email profile groups"
exec mlflow server
"""


def test_one_name_of_a_two_name_export_changes_the_other_stays():
    out = change_exports(IDP, {"IDP_PORT": "40001"})
    assert "export IDP_PORT=40001 MLFLOW_URL=http://localhost:7607\n" in out
    assert out.splitlines()[0] == IDP.splitlines()[0] and out.endswith('exec node "$IDP_DIR/idp.mjs"\n')


def test_a_removed_name_leaves_its_neighbour_and_an_emptied_line_goes():
    assert "export MLFLOW_URL=http://localhost:7607\n" in change_exports(IDP, {"IDP_PORT": None})
    out = change_exports(MLFLOW, {"OIDC_AUDIENCE": None})
    assert "OIDC_AUDIENCE" not in out and 'export OIDC_SCOPE="openid email profile groups"' in out


def test_a_new_name_goes_before_the_exec_quoted():
    out = change_exports(IDP, {"IDP_SIGNING_KEY_FILE": "a key.json"}).splitlines()
    assert out[-2:] == ["export IDP_SIGNING_KEY_FILE='a key.json'", 'exec node "$IDP_DIR/idp.mjs"']


def test_nothing_changed_is_the_script_as_typed():
    assert change_exports(MLFLOW, {}) == MLFLOW
    assert change_exports(MLFLOW, {"ABSENT": None}) == MLFLOW
