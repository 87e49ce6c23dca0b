"""The sign-in flow under attack (lab7/attacks.py: RFC 9700 and OpenID Connect Core's threats), each case
with the answer the lab's server must give, and, where a setting is what stops it, the same attack seen
working with that setting switched off: the README's MLflow restarted from its own serve-mlflow.sh
without OIDC_AUDIENCE and OIDC_ISSUER (the plugin's and the chart's default) and with
OIDC_CODE_CHALLENGE=off (lab7/variants.py), once for the module.

The issuer case needs a genuine token from ANOTHER issuer signed with a key MLflow trusts (otherwise the
signature, not `iss`, refuses it): the README's IdP is restarted to keep its key in a file, and a second
IdP from the same serve-idp.sh signs with that key on a port of its own, as one multi-tenant IdP's
tenants do (idp.mjs's IDP_SIGNING_KEY_FILE; lab7/variants.py). The README's IdP's token, the control,
is accepted; the second's is refused with the plugin's log naming `iss`; with OIDC_ISSUER unset it gets in.

Where no setting switches a protection off, the case says what protects it and runs a positive control
(the same request made legitimately succeeds), so a 401 is known to come from the protection and not
from a broken request:
- code replay: the plugin's login state is single-use and bound to the browser's cookie, and the IdP's
  codes are single-use; the control is the first use, which signs in;
- alg=none, key confusion: the plugin verifies with the IdP's published RS256 keys only; the control
  is a genuine ID token for MLflow (200);
- an expired ID token: the plugin requires `exp` and allows no leeway (mlflow-oidc-auth 11.0.2, auth.py);
  the IdP restarted to issue ID tokens for a few seconds (idp.mjs's IDP_ID_TOKEN_TTL), the control is
  the same token while fresh (read 200, mint 201); once the clock passes its `exp`, 401 for both;
- session fixation: the plugin opens a new server-side session at every sign-in;
- open redirect: the plugin keeps `next` on its own origin; the control is a same-site `next`, honoured;
- code injection: PKCE refuses it at the IdP (invalid_grant); with PKCE off the attack is still refused,
  by the ID token's nonce, which has no switch: the case asserts which layer refused, from the log;
- logout CSRF from another site: a cross-site image carries no session cookie (SameSite=Lax). Switched
  to SameSite=None with Secure, this Chromium still sent none (third-party cookies blocked, measured),
  so no setting shows it working here. A top-level navigation does carry it: any site can end a
  person's MLflow session (the plugin's /logout is a plain GET); the IdP's own sign-out asks first.
"""

from __future__ import annotations

import pytest

from mlflow_labs.lab7 import attacks, security, variants

pytestmark = pytest.mark.lab7

SWITCHED_OFF = {"OIDC_AUDIENCE": None, "OIDC_ISSUER": None, "OIDC_CODE_CHALLENGE": "off"}
PKCE_REFUSED = "rejected with invalid_grant while PKCE is enabled"   # the plugin's log, on the IdP's refusal
NONCE_REFUSED = "Invalid claim: 'nonce'"
ISSUER_REFUSED = "Invalid claim: 'iss'"       # joserfc's words, in the plugin's log
EXPIRED = "The token is expired"
ID_TOKEN_TTL = 12   # seconds: the fresh control (about 1-3 s after sign-in) has time on a busy machine; the wait stays short
ALICE = "signed in as alice@example.com"


@pytest.fixture(scope="module")
def target(lab):
    return attacks.Target(lab.uri, lab.idp, lab.secrets["OIDC_CLIENT_SECRET"])


def logged(read_log, attack):
    """What ``attack`` returned, and what the server logged while it ran."""
    before = len(read_log())
    return attack(), read_log()[before:]


@pytest.fixture(scope="module")
def switched_off(lab, target):
    """The attacks a setting stops, against the README's MLflow with SWITCHED_OFF; the README's server is
    back before any test asserts."""
    log = lab.docs.workdir / "variant-mlflow.log"
    with variants.mlflow_changed(lab, SWITCHED_OFF, why="the attack suite, protections off"):
        read = lambda: log.read_text(errors="replace")   # noqa: E731
        seen = {"audience": attacks.other_audience(target), "mint": attacks.other_audience_mints(target),
                "injection": logged(read, lambda: attacks.code_injection(target)),
                "pkce removed": attacks.pkce_removed(target)}
        # last: the IdP's restart costs MLflow's next browser sign-in (a key change), which the others need
        with variants.two_issuers_one_key(lab, why="the issuer attack, OIDC_ISSUER off") as other:
            seen["issuer"] = attacks.other_issuer(target, other)
        return seen


def test_an_id_token_for_another_application_is_refused(target):
    assert attacks.other_audience(target) == "HTTP 401"
    assert attacks.other_audience_mints(target) == "HTTP 401"


def test_an_id_token_from_another_issuer_signed_with_a_trusted_key_is_refused(lab, target):
    with variants.two_issuers_one_key(lab, why="the issuer attack") as other:
        got, log = logged(lab.mlflow_log, lambda: attacks.other_issuer(target, other))
        control = attacks.other_issuer(target, lab.idp)   # the same request from the README's IdP: same key
    assert control == {"iss": lab.idp, "read": "HTTP 200", "mint": "HTTP 201"}, control
    assert got == {"iss": other, "read": "HTTP 401", "mint": "HTTP 401"}, got
    assert ISSUER_REFUSED in log, log[-1500:]   # refused for its issuer: the signature verified


def test_an_expired_id_token_is_refused_the_same_token_fresh_accepted(lab, target):
    with variants.idp_changed(lab, {"IDP_ID_TOKEN_TTL": str(ID_TOKEN_TTL)}, why="ID tokens that expire soon"):
        seen, log = logged(lab.mlflow_log, lambda: attacks.expired_id_token(target))
    left = int(seen["fresh"].pop("seconds left"))
    assert seen["fresh"] == {"read": "HTTP 200", "mint": "HTTP 201"}, (seen, f"{left} s before exp")
    assert seen["expired"] == {"read": "HTTP 401", "mint": "HTTP 401"}, seen
    assert EXPIRED in log, log[-1500:]


def test_an_injected_authorization_code_is_refused_by_pkce(lab, target):
    got, log = logged(lab.mlflow_log, lambda: attacks.code_injection(target))
    assert got == attacks.NO_SESSION
    assert PKCE_REFUSED in log, log[-1500:]


def test_a_code_issued_without_pkce_is_refused(target):
    assert attacks.pkce_removed(target) == attacks.NO_SESSION


@pytest.mark.harness  # the protections above switched off: each attack seen working (or refused by another layer)
def test_with_the_settings_off_the_same_attacks_get_in(switched_off):
    assert switched_off["audience"] == "HTTP 200" and switched_off["mint"] == "HTTP 201", switched_off
    assert switched_off["pkce removed"] == ALICE, switched_off
    assert switched_off["issuer"] == {"iss": switched_off["issuer"]["iss"], "read": "HTTP 200", "mint": "HTTP 201"}, switched_off
    got, log = switched_off["injection"]
    # PKCE off: the injected code is redeemed, and only the nonce (no setting turns it off) still refuses it
    assert got == attacks.NO_SESSION and PKCE_REFUSED not in log and NONCE_REFUSED in log, (got, log[-1500:])


def test_a_replayed_callback_signs_nobody_in(target):
    assert attacks.code_replay(target) == {"first use": ALICE, "replayed elsewhere": attacks.NO_SESSION,
                                           "replayed in the same browser": attacks.NO_SESSION}


def test_unsigned_and_key_confused_tokens_are_refused_a_genuine_one_accepted(target):
    assert attacks.alg_none(target) == "HTTP 401"
    assert attacks.key_confusion(target) == "HTTP 401"
    assert attacks.forged_signature(target) == "HTTP 401"
    code = security.status(target.mlflow, bearer=attacks.mlflow_id_token(target, "admin"))
    assert code == 200


def test_a_planted_session_cookie_is_not_signed_in_by_the_victims_sign_in(target):
    assert attacks.session_fixation(target) == {"planted cookie": attacks.NO_SESSION, "the victim's cookie": ALICE}


def test_next_never_leaves_mlflow(target):
    landed = attacks.open_redirect(target)
    assert landed == {**{evil: target.mlflow for evil in attacks.OPEN_REDIRECTS}, "/#/experiments/0": "/#/experiments/0"}


def test_logout_csrf_a_cross_site_image_cannot_a_top_level_navigation_can_the_idp_asks(lab):
    session = lab.login("bob", key="bob-csrf").cookie()["value"]
    context = lab.browser.context
    context.route("http://evil.test/img", lambda route: route.fulfill(
        content_type="text/html", body=f'<img src="{lab.uri}/logout"><p>cat pictures</p>'))
    context.route("http://evil.test/nav", lambda route: route.fulfill(
        content_type="text/html", body=f'<script>location.href = "{lab.uri}/logout";</script>'))
    page = context.new_page()
    try:
        page.goto("http://evil.test/img")
        page.get_by_text("cat pictures").wait_for(state="visible")
        page.wait_for_load_state("load")   # the image request has been answered
        code = security.status(lab.uri, cookie=session)
        assert code == 200   # SameSite=Lax: no cookie on a cross-site subresource
        page.goto("http://evil.test/nav")
        page.get_by_role("button", name="Yes, sign me out").wait_for(state="visible")   # the IdP asks first
        code = security.status(lab.uri, cookie=session)
        assert code == 401   # MLflow's session is over: its /logout is a GET any site can navigate to
    finally:
        page.close()
        context.unroute("http://evil.test/img")
        context.unroute("http://evil.test/nav")
