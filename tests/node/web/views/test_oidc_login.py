"""OpenID Connect login in the app against a real provider (npm oidc-provider on 127.0.0.1), no mocks.

The browser's steps are real: the app's start redirects to the provider, a requests session logs in and
consents there, and the provider's redirect back to the node's callback is handed to the app.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import time
from urllib.parse import parse_qs, urlsplit, urlunsplit

import pytest
from sqlalchemy import select

from node.accounts.oidc import ExpectedToken, OidcRefused, verify_id_token
from node.audit.models import AuditAct, AuditEvent
from node.core.models import ExternalIdentity, User, UserState
from node.web.app import create_app
from node.web.request import PROVIDER_LOGOUT_KEY
from tests.helpers.danish_text import danish_leftovers
from tests.helpers.openid_provider import ROLE_MAP, browser, browser_login, confirm_logout
from tests.helpers.web import csrf_token

NODE_URL = "http://127.0.0.1:8080"  # the node_home fixture's public URL


@pytest.fixture
def oidc_app(config, openid_provider):
    """The node's app logging in through the test provider, with its own registered client."""
    client_id, secret = openid_provider.register_client(NODE_URL)
    login = dataclasses.replace(config.login, oidc_issuer=openid_provider.url, oidc_client_id=client_id,
                                oidc_client_secret=secret, oidc_name="Aarhus Kommune", role_map=ROLE_MAP)
    return create_app(dataclasses.replace(config, login=login))


def _callback(client, login: str, next_path: str = "/", **options) -> str:
    start = client.get(f"/login/oidc?next={next_path}")
    assert start.status_code == 302, start.get_data(as_text=True)
    return browser_login(browser(), start.headers["Location"], login, NODE_URL, **options)


def _finish(client, callback_url: str):
    parts = urlsplit(callback_url)
    assert callback_url.startswith(NODE_URL + "/login/oidc/callback?"), callback_url
    return client.get(f"{parts.path}?{parts.query}")


def _log_in(client, login: str, next_path: str = "/"):
    return _finish(client, _callback(client, login, next_path))


def _user(sessions, email: str) -> User | None:
    with sessions() as session:
        link = session.scalar(select(ExternalIdentity).where(ExternalIdentity.email == email))
        if link is None:
            return None
        session.refresh(link.user, ["identities"])
        session.expunge_all()
        return link.user


def _refusals(sessions) -> list[AuditEvent]:
    with sessions() as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.act == AuditAct.LOGIN_REFUSED)))


def test_the_start_sends_the_browser_to_the_provider_with_pkce_s256_state_and_nonce(oidc_app, openid_provider):
    location = oidc_app.test_client().get("/login/oidc").headers["Location"]
    query = parse_qs(urlsplit(location).query)
    assert location.startswith(openid_provider.url + "/auth?")
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) == 43
    assert query["state"][0] and query["nonce"][0] and query["response_type"] == ["code"]
    assert query["redirect_uri"] == [NODE_URL + "/login/oidc/callback"]


def test_the_full_login_creates_the_linked_account_with_the_mapped_role_and_goes_on_to_next(oidc_app, sessions,
                                                                                           openid_provider):
    client = oidc_app.test_client()
    answer = _log_in(client, "bo", "/konto")
    assert answer.status_code == 302 and answer.headers["Location"] == "/konto"
    user = _user(sessions, "bo@aarhus.dk")
    assert (user.role, user.display_name, user.username) == ("publisher", "Bo Berg", "bo")
    assert user.identities[0].issuer == openid_provider.url and user.identities[0].subject == "bo"
    assert client.get("/konto").status_code == 200


def test_a_role_string_with_spaces_maps_and_the_admin_value_opens_the_admin_page(oidc_app, sessions):
    reader, admin = oidc_app.test_client(), oidc_app.test_client()
    _log_in(reader, "carl")
    _log_in(admin, "anna")
    assert _user(sessions, "carl@aarhus.dk").role == "reader"
    assert reader.get("/admin/").status_code == 403
    assert admin.get("/admin/").status_code == 200


def test_a_role_changed_at_the_provider_takes_effect_at_the_next_login(oidc_app, sessions, openid_provider):
    openid_provider.set_account("erik", name="Erik Eriksen", email="erik@aarhus.dk", roles=["vidensnet-admin"])
    _log_in(oidc_app.test_client(), "erik")
    assert _user(sessions, "erik@aarhus.dk").role == "admin"
    openid_provider.set_account("erik", roles=["vidensnet-laeser"])
    client = oidc_app.test_client()
    _log_in(client, "erik")
    assert _user(sessions, "erik@aarhus.dk").role == "reader"
    assert client.get("/admin/").status_code == 403


def test_a_user_without_a_role_value_is_refused_with_a_danish_page_and_the_refusal_is_recorded(oidc_app, sessions,
                                                                                              caplog):
    answer = _log_in(oidc_app.test_client(), "dorte")
    page = answer.get_data(as_text=True)
    assert answer.status_code == 403
    assert "Din organisation har ikke givet dig en rolle i Vidensnet" in page and "it-afdeling" in page
    assert _user(sessions, "dorte@aarhus.dk") is None
    assert "no role mapped" in caplog.text and "Dorte Dahl" in caplog.text
    [refusal] = _refusals(sessions)
    assert "no role mapped" in refusal.description and "Dorte Dahl" in refusal.description


def test_a_refused_organisation_login_is_explained_in_english_on_an_english_page(oidc_app, sessions):
    client = oidc_app.test_client()
    client.set_cookie("sprog", "en")
    answer = _log_in(client, "dorte")
    page = answer.get_data(as_text=True)
    assert answer.status_code == 403 and '<html lang="en">' in page
    assert "Your organisation has not given you a role in Vidensnet, so you cannot log in." in page
    assert danish_leftovers(page) == []
    [refusal] = _refusals(sessions)
    assert refusal.description.startswith("Login via")  # the audit log keeps its Danish


def test_a_tampered_state_is_refused_and_signs_nobody_in(oidc_app, sessions, caplog):
    client = oidc_app.test_client()
    parts = urlsplit(_callback(client, "bo"))
    query = parse_qs(parts.query)
    query["state"] = [query["state"][0][:-2] + "xx"]
    tampered = urlunsplit(parts._replace(query="&".join(f"{k}={v[0]}" for k, v in query.items())))
    answer = _finish(client, tampered)
    assert answer.status_code == 400 and "Start forfra" in answer.get_data(as_text=True)
    assert "state does not match" in caplog.text
    assert _user(sessions, "bo@aarhus.dk") is None and len(_refusals(sessions)) == 1


def test_a_callback_in_another_browser_than_the_one_that_started_is_refused(oidc_app, sessions):
    callback = _callback(oidc_app.test_client(), "bo")
    answer = _finish(oidc_app.test_client(), callback)
    assert answer.status_code == 400 and _user(sessions, "bo@aarhus.dk") is None


def test_a_code_is_redeemed_once_so_a_replayed_callback_signs_nobody_in_again(oidc_app):
    client = oidc_app.test_client()
    callback = _callback(client, "bo")
    assert _finish(client, callback).status_code == 302
    assert _finish(client, callback).status_code == 400  # the login it answered is used up


def test_a_user_who_cancels_at_the_provider_is_told_so_in_danish(oidc_app, sessions, caplog):
    client = oidc_app.test_client()
    answer = _finish(client, _callback(client, "bo", abort=True))
    assert answer.status_code == 403 and "gav ikke adgang, eller du afbrød det" in answer.get_data(as_text=True)
    assert "error=access_denied" in caplog.text and len(_refusals(sessions)) == 1


def test_a_disabled_account_is_refused_at_its_next_login(oidc_app, sessions):
    _log_in(oidc_app.test_client(), "bo")
    with sessions.begin() as session:
        session.scalar(select(User).where(User.username == "bo")).state = UserState.DISABLED
    answer = _log_in(oidc_app.test_client(), "bo")
    assert answer.status_code == 403 and "deaktiveret" in answer.get_data(as_text=True)


def _unverified_claims(id_token: str) -> dict:
    payload = id_token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def test_the_providers_real_id_token_for_this_client_is_refused_by_a_node_with_another_client(oidc_app,
                                                                                             openid_provider):
    client = oidc_app.test_client()
    _log_in(client, "bo")
    with client.session_transaction() as stored:
        id_token = parse_qs(urlsplit(stored[PROVIDER_LOGOUT_KEY]).query)["id_token_hint"][0]
    provider, nonce = oidc_app.extensions["vidensnet.oidc"], _unverified_claims(id_token)["nonce"]
    this_node = ExpectedToken(openid_provider.url, provider.login.oidc_client_id, nonce)
    assert verify_id_token(id_token, provider.signing_key, this_node, time.time())["sub"] == "bo"
    with pytest.raises(OidcRefused, match="audience"):
        verify_id_token(id_token, provider.signing_key, dataclasses.replace(this_node, client_id="another-node"),
                        time.time())


def test_logout_ends_the_node_session_and_sends_the_browser_to_the_providers_logout(oidc_app, openid_provider):
    client = oidc_app.test_client()
    _log_in(client, "bo")
    answer = client.post("/logout", data={"csrf_token": csrf_token(client.get("/konto").get_data(as_text=True))})
    location = answer.headers["Location"]
    query = parse_qs(urlsplit(location).query)
    assert location.startswith(openid_provider.url + "/session/end?")
    assert query["post_logout_redirect_uri"] == [NODE_URL + "/"] and query["id_token_hint"][0].count(".") == 2
    assert client.get("/konto").status_code == 302  # the node's session has ended
    # The provider accepts the hint and the address: its confirmation sends the browser back to the node.
    assert confirm_logout(browser(), location, NODE_URL) == NODE_URL + "/"


def test_a_provider_that_does_not_answer_gives_a_danish_page_saying_to_try_again_and_is_recorded(config, sessions,
                                                                                                caplog):
    login = dataclasses.replace(config.login, oidc_issuer="http://127.0.0.1:9", oidc_client_id="vidensnet")
    answer = create_app(dataclasses.replace(config, login=login)).test_client().get("/login/oidc")
    assert answer.status_code == 502 and "Prøv igen om lidt" in answer.get_data(as_text=True)
    assert "discovery could not be fetched" in caplog.text and len(_refusals(sessions)) == 1


def test_without_an_openid_provider_configured_its_login_routes_do_not_exist(client):
    assert client.get("/login/oidc").status_code == 404
    assert client.get("/login/oidc/callback?code=c&state=s").status_code == 404
