"""ERRATA 10's "the IdP must put the groups in the ID token": the lab's own IdP with one setting put back
to oidc-provider's default, `conformIdTokenClaims: true` (granted claims such as `groups` then go only
to userinfo), in place of the README's IdP on the same port, for the same MLflow. Every sign-in of a
member of the allowed group, and of the admin group, is refused; the README's IdP, restarted the same
way (a fresh signing key too), lets the same person in again: the setting, not the restart, refused them.
Each IdP start makes a new signing key, and the plugin fails the first sign-in after a key change: one
throwaway sign-in follows each start (security.sign_in_after_key_change)."""

from __future__ import annotations

import os

import pytest

from mlflow_labs.harness.net import wait_http
from mlflow_labs.harness.process import BackgroundProcess
from mlflow_labs.lab7 import environment, security
from mlflow_labs.lab7.browser import REFUSED

pytestmark = pytest.mark.lab7

SETTING = "conformIdTokenClaims: false"


def test_errata_10_with_groups_only_in_userinfo_every_member_is_refused(lab, tmp_path):
    source = (environment.lab_dir() / "idp.mjs").read_text()
    assert source.count(SETTING) == 1, f"idp.mjs no longer says `{SETTING}` once"
    idp = tmp_path / "idp-conform.mjs"   # beside a link to the lab's node_modules: node resolves from the file
    idp.write_text(source.replace(SETTING, "conformIdTokenClaims: true"))
    (tmp_path / "node_modules").symlink_to(environment.lab_dir() / "node_modules")
    line = lab.idp_background_line()
    lab.docs.stop_background(line)
    conform = BackgroundProcess(["node", str(idp)], log_path=tmp_path / "idp-conform.log", cwd=tmp_path,
                                env={**os.environ, **lab.secrets, "IDP_PORT": str(lab.idp_port), "MLFLOW_URL": lab.uri})
    try:
        conform.start()
        wait_http(f"{lab.idp}/.well-known/openid-configuration", timeout=60, what="the IdP with conformIdTokenClaims: true",
                  alive=conform.alive, log=conform.log_tail)
        security.sign_in_after_key_change(lab.uri)
        refused = {who: lab.login(who, key=f"{who}-conform").refused for who in ("alice", "admin")}
    finally:
        conform.stop()
        lab.docs.restart_background(line)
        security.sign_in_after_key_change(lab.uri)
    assert refused == {"alice": True, "admin": True}, f"not refused with \"{REFUSED}\": {refused}"
    again = lab.login("alice", key="alice-after-conform")
    assert not again.refused and "alice@example.com" in again.text, again.text[:300]
