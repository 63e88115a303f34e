"""Login and logout in the app: a new session at every login, a lockout and a per-address limit in Danish, records."""

from __future__ import annotations

import dataclasses

from flask_login.utils import encode_cookie
from sqlalchemy import select

from node.core.config import AccountRules
from node.core.models import LoginAttempt, User
from node.web.app import create_app
from tests.helpers.danish_text import danish_leftovers
from tests.helpers.nodes import PASSWORD
from tests.helpers.web import csrf_token, login


def _attempt(client, username: str, password: str):
    token = csrf_token(client.get("/login").get_data(as_text=True))
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token})


def _session_cookie(client) -> str:
    return client.get_cookie("session").value


def test_a_cookie_from_before_login_stays_anonymous_after_the_login_it_was_fixed_for(app, users):
    attacker = app.test_client()
    attacker.get("/login")
    victim = app.test_client()
    victim.set_cookie("session", _session_cookie(attacker))
    login(victim, "admin")
    assert victim.get("/admin/").status_code == 200
    assert _session_cookie(victim) != _session_cookie(attacker)
    assert attacker.get("/admin/").status_code == 302


def test_a_login_ends_the_session_the_browser_had_and_opens_a_new_one(app, users):
    browser, copy = app.test_client(), app.test_client()
    login(browser, "admin")
    copy.set_cookie("session", _session_cookie(browser))
    assert copy.get("/admin/").status_code == 200
    login(browser, "admin")
    assert copy.get("/admin/").status_code == 302
    assert browser.get("/admin/").status_code == 200


def test_a_valid_remember_me_cookie_does_not_log_anyone_in(app, users, sessions):
    with app.test_request_context():
        remembered = encode_cookie(str(_admin_id(sessions)))
    client = app.test_client()
    client.set_cookie("remember_token", remembered)
    assert client.get("/admin/").status_code == 302


def _admin_id(sessions) -> int:
    with sessions.begin() as session:
        return session.scalar(select(User.id).where(User.username == "admin"))


def test_repeated_failures_lock_a_username_with_a_danish_message_whether_or_not_it_exists(app, users):
    pages = {}
    for address, username in (("10.1.0.1", "admin"), ("10.1.0.2", "findes-ikke")):
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = address
        statuses = [_attempt(client, username, "forkert-kode-123").status_code for _ in range(5)]
        assert statuses == [401] * 5
        locked = _attempt(client, username, PASSWORD if username == "admin" else "forkert-kode-123")
        assert locked.status_code == 429
        pages[username] = locked.get_data(as_text=True)
    for page in pages.values():
        assert "For mange mislykkede loginforsøg med dette brugernavn" in page and "15 minutter" in page
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "10.1.0.3"
    assert _attempt(other, "admin", PASSWORD).status_code == 429  # locked for the username, from anywhere


def test_failed_logins_from_one_address_are_limited_with_a_danish_429(config, users, sessions):
    app = create_app(dataclasses.replace(config, accounts=AccountRules(login_rate="3/minute")))
    guesser, colleague = app.test_client(), app.test_client()
    colleague.environ_base["REMOTE_ADDR"] = "10.2.0.2"
    assert [_attempt(guesser, name, "forkert-kode-123").status_code for name in ("a1", "a2", "a3")] == [401] * 3
    throttled = _attempt(guesser, "admin", PASSWORD)
    assert throttled.status_code == 429
    page = throttled.get_data(as_text=True)
    assert "For mange forsøg" in page and "For mange mislykkede loginforsøg fra din adresse" in page
    assert _attempt(colleague, "admin", PASSWORD).status_code == 302
    with sessions.begin() as session:
        outcomes = session.execute(select(LoginAttempt.username, LoginAttempt.outcome).order_by(LoginAttempt.id)).all()
    assert [tuple(o) for o in outcomes] == [("a1", "wrong_password"), ("a2", "wrong_password"),
                                            ("a3", "wrong_password"), ("admin", "throttled"), ("admin", "succeeded")]


def test_successful_logins_do_not_count_against_the_address(config, users):
    app = create_app(dataclasses.replace(config, accounts=AccountRules(login_rate="2/minute")))
    office = app.test_client()
    assert [_attempt(office, name, PASSWORD).status_code for name in ROLES_TWICE] == [302] * len(ROLES_TWICE)


ROLES_TWICE = ("reader", "editor", "publisher", "admin") * 2


def test_every_attempt_is_shown_to_the_admin_in_danish(app, users):
    client = app.test_client()
    _attempt(client, "editor", "forkert-kode-123")
    _attempt(client, "ingen-konto", "forkert-kode-123")
    login(client, "admin")
    page = client.get("/admin/brugere").get_data(as_text=True)
    assert "Seneste loginforsøg" in page and "Logget ind" in page
    assert page.count("Forkert brugernavn eller adgangskode") == 2
    assert "ingen-konto <span class=\"hint\">(ingen konto)</span>" in page


def test_with_local_login_off_the_form_is_gone_and_a_posted_password_is_refused_in_danish(config, users, sessions):
    app = create_app(dataclasses.replace(config, login=dataclasses.replace(config.login, local_login=False)))
    app.config["WTF_CSRF_ENABLED"] = False  # the page has no form left to take a token from
    client = app.test_client()

    page = client.get("/login").get_data(as_text=True)
    response = client.post("/login", data={"username": "admin", "password": PASSWORD})

    assert 'name="password"' not in page and "Der er ikke sat noget login op" in page
    assert response.status_code == 403 and "slået fra på denne node" in response.get_data(as_text=True)
    assert client.get("/admin/").status_code == 302
    with sessions() as session:
        assert session.scalars(select(LoginAttempt)).all() == []


def test_configured_organisation_logins_come_first_with_their_names_and_the_local_form_below(config):
    login_settings = dataclasses.replace(config.login, oidc_issuer="http://127.0.0.1:9", oidc_client_id="vidensnet",
                                         oidc_name="Aarhus Kommune", saml_idp_metadata="/dev/null",
                                         saml_name="KOMBIT Context Handler")
    page = create_app(dataclasses.replace(config, login=login_settings)).test_client().get("/login?next=/admin/")

    text = page.get_data(as_text=True)
    assert text.index("Log ind med Aarhus Kommune") < text.index("Log ind med KOMBIT Context Handler") < text.index(
        'name="password"')
    assert 'href="/login/oidc?next=/admin/"' in text


def test_the_login_page_in_english_has_no_danish_left_with_the_organisation_logins_and_after_a_failure(config, users):
    login_settings = dataclasses.replace(config.login, oidc_issuer="http://127.0.0.1:9", oidc_client_id="vidensnet",
                                         oidc_name="Aarhus Kommune", saml_idp_metadata="/dev/null",
                                         saml_name="Københavns Kommune")
    client = create_app(dataclasses.replace(config, login=login_settings)).test_client()
    client.set_cookie("sprog", "en")

    page = client.get("/login").get_data(as_text=True)
    failed = _attempt(client, "admin", "forkert-kodeord").get_data(as_text=True)

    assert '<html lang="en">' in page and "With your organisation's login" in page
    assert 'Log in with <span lang="da">Københavns Kommune</span>' in page
    assert "Wrong username or password." in failed
    assert danish_leftovers(page) == [] and danish_leftovers(failed) == []


def test_the_lockout_message_and_the_flashes_of_logging_in_and_out_are_english(app, users):
    client = app.test_client()
    client.set_cookie("sprog", "en")
    for _ in range(5):
        _attempt(client, "nobody", "wrong")
    locked = _attempt(client, "nobody", "wrong").get_data(as_text=True)
    login(client, "admin")
    logged_in = client.get("/").get_data(as_text=True)
    client.post("/logout", data={"csrf_token": csrf_token(logged_in)})
    logged_out = client.get("/").get_data(as_text=True)

    assert "For security, it cannot be used to log in for 15 minutes" in locked
    assert 'You are logged in as <span lang="da">Test admin</span>.' in logged_in
    assert "You have been logged out." in logged_out
    assert danish_leftovers(locked) == []


def test_the_per_address_limit_explains_itself_in_english(config, users):
    app = create_app(dataclasses.replace(config, accounts=AccountRules(login_rate="1/minute")))
    guesser = app.test_client()
    guesser.set_cookie("sprog", "en")
    _attempt(guesser, "a1", "forkert-kode-123")
    throttled = _attempt(guesser, "admin", PASSWORD)
    assert throttled.status_code == 429
    assert "Too many failed login attempts from your address" in throttled.get_data(as_text=True)
