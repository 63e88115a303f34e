"""The admin page and account pages: admin only, users created through the form, tokens shown once."""

from __future__ import annotations

from datetime import timedelta

from node.worker.lease import Holder, Lease
from tests.helpers.danish_text import danish_leftovers
from tests.helpers.nodes import PASSWORD
from tests.helpers.web import csrf_token, login
from tests.node.web.views.admin_english import in_english


def test_admin_page_is_for_admins_only(app, users):
    anonymous, publisher = app.test_client(), app.test_client()
    assert anonymous.get("/admin/").status_code == 302
    login(publisher, "publisher")
    assert publisher.get("/admin/").status_code == 403


def test_admin_sees_states_and_creates_a_user_who_can_log_in(app, users):
    admin = app.test_client()
    login(admin, "admin")
    page = admin.get("/admin/").get_data(as_text=True)
    for label in ("Kladde", "Udgivet", "Tilbagetrukket", "Udløbet", "aarhus-kommune", "Indeksopdateringer i kø",
                  "Forbindelser", "Nøgler og tillid", "Ventende og afviste data", "Revisionslog"):
        assert label in page
    response = admin.post("/admin/brugere", data={
        "csrf_token": csrf_token(page), "username": "ssp-konsulent", "display_name": "SSP-konsulent",
        "role": "editor", "password": PASSWORD,
    })
    assert response.status_code == 302
    login(app.test_client(), "ssp-konsulent")


def test_weak_password_is_refused_with_a_message(app, users):
    admin = app.test_client()
    login(admin, "admin")
    token = csrf_token(admin.get("/admin/").get_data(as_text=True))
    response = admin.post("/admin/brugere",
                          data={"csrf_token": token, "username": "ny", "role": "reader", "password": "kort"})
    assert response.status_code == 422 and "mindst 12 tegn" in response.get_data(as_text=True)


def test_wrong_password_is_refused(client, users):
    token = csrf_token(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"username": "admin", "password": "forkert-kode-123", "csrf_token": token})
    assert response.status_code == 401 and "Forkert brugernavn eller adgangskode" in response.get_data(as_text=True)


def test_login_does_not_redirect_to_other_sites(client, users):
    token = csrf_token(client.get("/login").get_data(as_text=True))
    credentials = {"username": "admin", "password": PASSWORD, "csrf_token": token}
    response = client.post("/login?next=//evil.example/", data=credentials)
    assert response.headers["Location"] == "/"


def test_api_token_created_on_account_page_works_for_the_api(client, users):
    login(client, "editor")
    page = client.get("/konto").get_data(as_text=True)
    created = client.post("/konto/noegler", data={"csrf_token": csrf_token(page), "name": "Intranet"})
    shown = created.get_data(as_text=True)
    token = shown.split('<code class="token">')[1].split("<")[0]
    anonymous = client.application.test_client()
    response = anonymous.get("/api/v1/items?status=draft", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200


def test_admin_page_tells_in_danish_whether_a_background_worker_is_active_and_where(app, users, sessions):
    admin = app.test_client()
    login(admin, "admin")
    assert "ingen aktiv baggrundsproces" in admin.get("/admin/").get_data(as_text=True)
    Lease(sessions, Holder("app-server-2", 4242, "lease-secret-7f3a"), timedelta(seconds=60)).acquire()
    page = admin.get("/admin/").get_data(as_text=True)
    assert "aktiv på app-server-2, fornyet for 0 sekunder siden" in page and "ingen aktiv" not in page
    assert "lease-secret-7f3a" not in page  # the holder's token is an internal code, never shown


def test_the_admin_overview_speaks_english_with_its_sections_and_the_worker_state(app, users):
    admin = app.test_client()
    login(admin, "admin")
    page = in_english(admin).get("/admin/").get_data(as_text=True)
    assert '<html lang="en">' in page and "<h1>Administration</h1>" in page
    for words in ("The node", "Connections", "Keys and trust", "Waiting and rejected data", "External feeds",
                  "Users", "Search", "Audit log", "The node has", "no active background worker",
                  "No peers yet.", "Nothing is waiting.", "Nothing rejected.", "No conflicts.", "No warnings.",
                  "Create, deactivate and activate users", "Index updates queued"):
        assert words in page, words
    assert danish_leftovers(page) == []
