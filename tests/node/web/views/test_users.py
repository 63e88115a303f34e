"""/admin/brugere: disable and enable, roles and password resets take effect at once; the last admin stays."""

from __future__ import annotations

from sqlalchemy import select

from node.core.models import User
from tests.helpers.danish_text import danish_leftovers
from tests.helpers.nodes import PASSWORD
from tests.helpers.web import auth, csrf_token, login

NEW = "et-helt-nyt-kodeord"


def _user_id(sessions, username: str) -> int:
    with sessions.begin() as session:
        return session.scalar(select(User.id).where(User.username == username))


def _act(admin, sessions, username: str, act: str, **data):
    token = csrf_token(admin.get("/admin/brugere").get_data(as_text=True))
    return admin.post(f"/admin/brugere/{_user_id(sessions, username)}/{act}", data={"csrf_token": token, **data})


def _admin(app):
    admin = app.test_client()
    login(admin, "admin")
    return admin


def test_disabling_stops_the_users_open_session_and_token_at_once_and_enabling_restores_the_token(
        app, users, sessions, tokens):
    editor = app.test_client()
    login(editor, "editor")
    admin = _admin(app)
    response = _act(admin, sessions, "editor", "deaktiver")
    assert response.status_code == 302
    assert editor.get("/konto").status_code == 302
    refused = app.test_client().get("/api/v1/items", headers=auth(tokens["editor"]))
    assert refused.status_code == 401 and "deaktiveret" in refused.json["error"]["message"]
    page = admin.get("/admin/brugere").get_data(as_text=True)
    assert "Test editor er deaktiveret og logget ud." in page and "Deaktiveret" in page
    _act(admin, sessions, "editor", "aktiver")
    assert app.test_client().get("/api/v1/items", headers=auth(tokens["editor"])).status_code == 200


def test_a_disabled_user_cannot_log_in_and_is_told_so(app, users, sessions):
    _act(_admin(app), sessions, "reader", "deaktiver")
    client = app.test_client()
    token = csrf_token(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"username": "reader", "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 401 and "Kontoen er deaktiveret" in response.get_data(as_text=True)


def test_a_role_change_takes_effect_on_the_users_next_request(app, users, sessions):
    reader = app.test_client()
    login(reader, "reader")
    assert reader.get("/admin/").status_code == 403
    admin = _admin(app)
    assert _act(admin, sessions, "reader", "rolle", role="admin").status_code == 302
    assert reader.get("/admin/").status_code == 200
    _act(reader, sessions, "admin", "rolle", role="reader")
    assert admin.get("/admin/").status_code == 403


def test_a_password_reset_ends_the_users_sessions_and_the_new_password_works(app, users, sessions):
    editor = app.test_client()
    login(editor, "editor")
    assert _act(_admin(app), sessions, "editor", "adgangskode", password=NEW).status_code == 302
    assert editor.get("/konto").status_code == 302
    login(app.test_client(), "editor", NEW)


def test_the_last_admin_is_neither_disabled_nor_demoted_and_nobody_disables_themselves(app, users, sessions):
    admin = _admin(app)
    demoted = _act(admin, sessions, "admin", "rolle", role="editor")
    assert demoted.status_code == 422
    assert "rolle: admin er den sidste aktive administrator" in demoted.get_data(as_text=True)
    disabled = _act(admin, sessions, "admin", "deaktiver")
    assert disabled.status_code == 422 and "tilstand: du kan ikke deaktivere din egen konto" in disabled.get_data(
        as_text=True)
    assert admin.get("/admin/").status_code == 200


def test_a_weak_reset_password_is_refused_naming_the_field(app, users, sessions):
    response = _act(_admin(app), sessions, "editor", "adgangskode", password="kort")
    assert response.status_code == 422 and "ny adgangskode: mindst 12 tegn" in response.get_data(as_text=True)
    login(app.test_client(), "editor", PASSWORD)


def test_only_admins_change_accounts(app, users, sessions):
    publisher = app.test_client()
    login(publisher, "publisher")
    assert publisher.get("/admin/brugere").status_code == 403
    token = csrf_token(publisher.get("/konto").get_data(as_text=True))
    response = publisher.post(f"/admin/brugere/{_user_id(sessions, 'editor')}/deaktiver", data={"csrf_token": token})
    assert response.status_code == 403


def _english_admin(app):
    admin = app.test_client()
    admin.set_cookie("sprog", "en")
    login(admin, "admin")
    return admin


def test_the_users_page_in_english_shows_roles_states_and_logins_with_no_danish_left(app, users, sessions):
    login(app.test_client(), "editor")
    admin = _english_admin(app)
    page = admin.get("/admin/brugere").get_data(as_text=True)
    assert '<html lang="en">' in page and "Latest login attempts" in page and "Create user" in page
    assert '<td><span lang="da">Test editor</span></td>' in page and "<td>Editor</td>" in page
    assert '<span class="state">Active</span>' in page and "<td>Local password</td>" in page
    assert "<td>Logged in</td>" in page
    assert danish_leftovers(page) == []


def test_the_acts_on_an_account_flash_in_english_naming_the_account_marked_danish(app, users, sessions):
    admin = _english_admin(app)
    disabled = _act(admin, sessions, "editor", "deaktiver")
    page = admin.get(disabled.headers["Location"]).get_data(as_text=True)
    _act(admin, sessions, "reader", "rolle", role="publisher")
    promoted = admin.get("/admin/brugere").get_data(as_text=True)
    refused = _act(admin, sessions, "admin", "deaktiver").get_data(as_text=True)
    assert '<span lang="da">Test editor</span> has been disabled and logged out.' in page
    assert '<span class="state">Disabled</span>' in page
    assert '<span lang="da">Test reader</span> has a new role (Publisher).' in promoted
    assert "state: you cannot disable your own account" in refused
    assert danish_leftovers(page) == [] and danish_leftovers(promoted) == [] and danish_leftovers(refused) == []
