"""The audit log page in-process: its link, a bad filter refused in Danish naming the field, admin acts shown."""

from __future__ import annotations

from node.audit.log import COMMAND_LINE, record_admin_act
from node.audit.models import AuditAct
from tests.helpers.danish_text import danish_leftovers
from tests.helpers.nodes import PASSWORD, publish
from tests.helpers.web import api_tokens, auth, csrf_token, login


def test_a_bad_date_is_refused_with_400_naming_the_field(client, users):
    login(client, "admin")
    page = client.get("/admin/logbog?fra=1.12.2026")
    assert page.status_code == 400
    assert "fra: skal være en dato som 2026-12-01" in page.get_data(as_text=True)


def test_a_bad_page_number_is_refused_naming_the_field_as_the_form_calls_it(client, users):
    login(client, "admin")
    page = client.get("/admin/logbog?side=nul")
    assert page.status_code == 400 and "side: skal være et helt tal" in page.get_data(as_text=True)
    client.set_cookie("sprog", "en")
    assert "side: must be a whole number" in client.get("/admin/logbog?side=nul").get_data(as_text=True)


def test_the_admin_page_links_to_the_log(client, users):
    login(client, "admin")
    assert 'href="/admin/logbog"' in client.get("/admin/").get_data(as_text=True)


def test_a_user_created_on_the_admin_page_is_recorded_with_the_admin_and_shown_in_danish(client, users):
    login(client, "admin")
    page = client.get("/admin/").get_data(as_text=True)
    client.post("/admin/brugere", data={"csrf_token": csrf_token(page), "username": "ssp-konsulent",
                                        "display_name": "SSP-konsulent", "role": "editor", "password": PASSWORD})
    log = client.get("/admin/logbog?handling=user_created").get_data(as_text=True)
    assert "Oprettede en bruger" in log and "Brugeren ssp-konsulent er oprettet som Redaktør" in log
    assert "<small>admin</small>" in log


def test_an_admin_finds_who_saw_a_restricted_item_from_its_page(client, sessions, users):
    publish(sessions, "lukket", audience="network")
    login(client, "admin")
    item_page = client.get("/items/aarhus-kommune:lukket").get_data(as_text=True)
    assert 'href="/admin/logbog?emne=aarhus-kommune:lukket"' in item_page
    log = client.get("/admin/logbog?emne=aarhus-kommune:lukket").get_data(as_text=True)
    assert "Emnesiden for »Metode lukket«" in log and "1 hændelse" in log
    assert "gemmes i 730 dage" in log


def test_a_bulletin_sent_back_through_the_api_is_recorded_with_the_publisher(client, sessions, users):
    tokens = api_tokens(sessions)
    bulletin = {"type": "bulletin", "title": "Uro ved skolen", "summary": "Grupper efter skoletid.",
                "police_districts": ["Østjyllands Politi"]}
    created = client.post("/api/v1/items", json=bulletin, headers=auth(tokens["editor"])).json
    client.post(f"/api/v1/items/{created['id']}/submit", headers=auth(tokens["editor"]))
    answer = client.post(f"/api/v1/items/{created['id']}/return", json={"reason": "Ret tallene."},
                         headers=auth(tokens["publisher"]))
    assert answer.status_code == 200
    login(client, "admin")
    log = client.get("/admin/logbog", query_string={"emne": created["id"]}).get_data(as_text=True)
    assert "Sendte en tendensbulletin tilbage som kladde" in log and "<small>publisher</small>" in log


def test_the_audit_log_in_english_translates_its_fixed_texts_and_marks_stored_ones_danish(client, sessions, users):
    publish(sessions, "lukket", audience="network")
    client.set_cookie("sprog", "en")
    login(client, "admin")
    client.get("/items/aarhus-kommune:lukket")
    page = client.get("/admin/").get_data(as_text=True)
    client.post("/admin/brugere", data={"csrf_token": csrf_token(page), "username": "ssp-konsulent",
                                        "display_name": "SSP-konsulent", "role": "editor", "password": PASSWORD})
    log = client.get("/admin/logbog").get_data(as_text=True)
    assert '<html lang="en">' in log and "3 events" in log and "Download as CSV (spreadsheet)" in log
    assert "<td>Viewed a restricted item</td>" in log and "<td>Created a user</td>" in log
    assert '<span lang="da">Brugeren ssp-konsulent er oprettet som Redaktør</span>' in log
    assert "The whole network" in log and "An event is kept for 730 days" in log
    assert danish_leftovers(log) == []


def test_a_fixed_audit_description_and_actor_are_shown_translated(client, sessions, users):
    with sessions.begin() as session:
        record_admin_act(session, COMMAND_LINE, AuditAct.USER_DISABLED, "editor")
    client.set_cookie("sprog", "en")
    login(client, "admin")
    log = client.get("/admin/logbog").get_data(as_text=True)
    bad = client.get("/admin/logbog?fra=1.12.2026").get_data(as_text=True)
    assert ">The command line (the node's administrator)</option>" in log
    assert "<td>The command line (the node&#39;s administrator)<br>" in log
    assert 'Disabled a user: <span lang="da">editor</span>' in log
    assert "from date: must be a date such as 2026-12-01" in bad
    assert danish_leftovers(log) == [] and danish_leftovers(bad) == []
