"""/konto: one's own password, API tokens (with expiry, revocable) and sessions (log out on all devices)."""

from __future__ import annotations

import re

from tests.helpers.danish_text import danish_leftovers
from tests.helpers.nodes import PASSWORD
from tests.helpers.web import auth, csrf_token, login

FIREFOX = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"}
NEW = "et-helt-nyt-kodeord"


def _post(client, path: str, **data):
    token = csrf_token(client.get("/konto").get_data(as_text=True))
    return client.post(path, data={"csrf_token": token, **data})


def _two_browsers(app, username: str = "editor"):
    here, there = app.test_client(), app.test_client()
    login(here, username)
    login(there, username)
    return here, there


def test_the_account_page_lists_the_open_sessions_and_marks_this_browser(app, users):
    here, there = app.test_client(), app.test_client()
    here.environ_base["HTTP_USER_AGENT"] = FIREFOX["User-Agent"]
    login(here, "editor")
    login(there, "editor")
    page = here.get("/konto").get_data(as_text=True)
    assert "Dine sessioner" in page and "Firefox på Linux <strong>(denne browser)</strong>" in page
    assert "Ukendt browser" in page


def test_log_out_on_all_devices_ends_every_session_of_the_user_only(app, users):
    here, there = _two_browsers(app)
    admin = app.test_client()
    login(admin, "admin")
    response = _post(here, "/konto/log-ud-overalt")
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert here.get("/konto").status_code == 302 and there.get("/konto").status_code == 302
    assert admin.get("/konto").status_code == 200


def test_changing_the_password_keeps_this_session_and_ends_the_others(app, users):
    here, there = _two_browsers(app)
    response = _post(here, "/konto/adgangskode", current=PASSWORD, new=NEW, repeated=NEW)
    assert response.status_code == 302
    assert "Din anden session er afsluttet" in here.get("/konto").get_data(as_text=True)
    assert there.get("/konto").status_code == 302
    login(app.test_client(), "editor", NEW)


def test_a_wrong_current_password_is_refused_naming_the_field_and_changes_nothing(app, users):
    here, there = _two_browsers(app)
    response = _post(here, "/konto/adgangskode", current="forkert-kode-123", new=NEW, repeated=NEW)
    assert response.status_code == 422
    assert "nuværende adgangskode: den er ikke rigtig" in response.get_data(as_text=True)
    assert there.get("/konto").status_code == 200
    login(app.test_client(), "editor", PASSWORD)


def _create_token(client, name: str, days: str = "30") -> str:
    shown = _post(client, "/konto/noegler", name=name, expires_days=days).get_data(as_text=True)
    assert "Den virker i" in shown
    return shown.split('<code class="token">')[1].split("<")[0]


def test_a_token_made_on_the_account_page_expires_is_listed_and_revoked_there(app, users):
    browser = app.test_client()
    login(browser, "editor")
    token = _create_token(browser, "Intranet")
    api = app.test_client()
    assert api.get("/api/v1/items?status=draft", headers=auth(token)).status_code == 200
    page = browser.get("/konto").get_data(as_text=True)
    row = re.search(r"<td>Intranet</td>.*?</tr>", page, re.S).group(0)
    assert "Aktiv" in row and "Tilbagekald" in row
    token_id = re.search(r"/konto/noegler/(\d+)/tilbagekald", row).group(1)
    assert _post(browser, f"/konto/noegler/{token_id}/tilbagekald").status_code == 302
    refused = api.get("/api/v1/items", headers=auth(token))
    assert refused.status_code == 401 and refused.json["error"]["message"] == "API-nøglen er tilbagekaldt"
    assert "Tilbagekaldt" in browser.get("/konto").get_data(as_text=True)


def test_nobody_revokes_another_users_token_from_their_account_page(app, users):
    owner, other = app.test_client(), app.test_client()
    login(owner, "editor")
    token = _create_token(owner, "Intranet")
    token_id = re.search(r"/konto/noegler/(\d+)/tilbagekald", owner.get("/konto").get_data(as_text=True)).group(1)
    login(other, "publisher")
    assert _post(other, f"/konto/noegler/{token_id}/tilbagekald").status_code == 404
    assert app.test_client().get("/api/v1/items", headers=auth(token)).status_code == 200


def test_a_token_lifetime_outside_the_range_is_refused_in_danish(app, users):
    browser = app.test_client()
    login(browser, "editor")
    response = _post(browser, "/konto/noegler", name="Evig", expires_days="100000")
    assert response.status_code == 422 and "udløb: mellem 1 og 3650 dage" in response.get_data(as_text=True)


def _english(app, username: str = "admin"):
    client = app.test_client()
    client.set_cookie("sprog", "en")
    client.environ_base["HTTP_USER_AGENT"] = FIREFOX["User-Agent"]
    login(client, username)
    return client


def test_the_account_page_in_english_lists_sessions_and_tokens_with_no_danish_left(app, users):
    client = _english(app)
    _post(client, "/konto/noegler", name="Intranet-søgning", expires_days="30")
    page = client.get("/konto").get_data(as_text=True)
    assert '<html lang="en">' in page and "Your sessions" in page and "API keys" in page
    assert "Firefox on Linux <strong>(this browser)</strong>" in page
    assert '<td><span lang="da">Intranet-søgning</span></td>' in page and "<td>Active</td>" in page
    assert '<option value="365" selected>1 year</option>' in page and ">30 days</option>" in page
    assert danish_leftovers(page) == []


def test_a_new_token_page_in_english_says_how_long_the_token_works(app, users):
    client = _english(app)
    page = _post(client, "/konto/noegler", name="Intranet", expires_days="90").get_data(as_text=True)
    assert "New API key" in page and "It works for 90 days." in page and "Back to your account" in page
    assert danish_leftovers(page) == []


def test_the_flashes_and_refusals_of_the_account_page_are_english(app, users):
    client, other = _english(app), _english(app)
    refused = _post(client, "/konto/adgangskode", current="forkert", new=NEW, repeated=NEW).get_data(as_text=True)
    _post(client, "/konto/adgangskode", current=PASSWORD, new=NEW, repeated=NEW)
    changed = client.get("/konto").get_data(as_text=True)
    _post(client, "/konto/log-ud-overalt")
    logged_out = client.get("/login").get_data(as_text=True)
    assert other.get("/konto").status_code == 302
    assert "current password: it is not correct" in refused
    assert "Your password has been changed. Your other session has ended." in changed
    assert "You have been logged out on all devices." in logged_out
    assert danish_leftovers(refused) == [] and danish_leftovers(changed) == [] and danish_leftovers(logged_out) == []


def test_revoking_a_token_in_english_names_it_marked_danish(app, users):
    client = _english(app)
    _post(client, "/konto/noegler", name="Kalender", expires_days="30")
    page = client.get("/konto").get_data(as_text=True)
    token_id = re.search(r'/konto/noegler/(\d+)/tilbagekald', page).group(1)
    _post(client, f"/konto/noegler/{token_id}/tilbagekald")
    page = client.get("/konto").get_data(as_text=True)
    assert 'The API key “<span lang="da">Kalender</span>” has been revoked.' in page and "<td>Revoked</td>" in page
    assert danish_leftovers(page) == []
