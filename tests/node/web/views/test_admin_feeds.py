"""Feed subscriptions on the admin page: subscribe, see state and errors, refresh now and unsubscribe,
CSRF-protected."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from node.core.models import FeedSubscription, Item
from tests.helpers.feed_server import atom
from tests.helpers.web import csrf_token, login

ENTRY = {"id": "urn:dkr:1", "title": "Ny vejledning om bekymringssamtaler", "link": "https://dkr.example/bekymring",
         "summary": "Sådan forbereder I en bekymringssamtale."}
LEAKING = {"id": "urn:dkr:2", "title": "Sag fra skolen", "link": "https://dkr.example/sag",
           "summary": "Ring til forælder på 23 45 67 89."}


@pytest.fixture
def admin(app, users):
    client = app.test_client()
    login(client, "admin")
    return client


def _post(admin, path: str, **data):
    token = csrf_token(admin.get("/admin/").get_data(as_text=True))
    return admin.post(path, data={"csrf_token": token, **data})


def test_admin_subscribes_through_the_form_and_sees_source_state_items_and_skipped_entry(admin, feeds, sessions):
    url = feeds.put("/dkr.atom", atom("Det Kriminalpræventive Råd", [ENTRY, LEAKING]))

    response = _post(admin, "/admin/feeds", url=url)

    assert response.status_code == 302
    page = admin.get("/admin/").get_data(as_text=True)
    assert "Abonnement oprettet" in page and "1 oprettet, 1 sprunget over" in page
    before, after = page.split(f"<code>{url}</code>")
    row = before.rsplit("<tr>", 1)[1] + after.split("</tr>")[0]
    assert "Det Kriminalpræventive Råd" in row and "Aktiv" in row and "<td>1</td>" in row
    assert "Indslag 2: Resumé: indeholder et telefonnummer" in row and "23 45 67 89" not in page
    with sessions() as session:
        assert session.scalars(select(Item.title)).all() == [ENTRY["title"]]


def test_refresh_now_reports_an_unchanged_feed_and_unsubscribe_keeps_the_items(admin, feeds, sessions):
    url = feeds.put("/dkr.atom", atom("Det Kriminalpræventive Råd", [ENTRY]))
    _post(admin, "/admin/feeds", url=url)
    with sessions() as session:
        subscription_id = session.scalar(select(FeedSubscription.id))

    _post(admin, f"/admin/feeds/{subscription_id}/opdater")
    assert "uændret siden sidst (304)" in admin.get("/admin/").get_data(as_text=True)
    assert feeds.statuses == {200: 1, 304: 1}

    _post(admin, f"/admin/feeds/{subscription_id}/afmeld")
    page = admin.get("/admin/").get_data(as_text=True)
    assert "er afmeldt" in page and "Ingen abonnementer endnu." in page
    with sessions() as session:
        assert session.scalars(select(Item.status)).all() == ["published"]


def test_failing_feed_shows_backing_off_with_its_danish_error(admin, feeds):
    feeds.fail("/dkr.atom", 500)
    _post(admin, "/admin/feeds", url=feeds.url + "/dkr.atom")

    page = admin.get("/admin/").get_data(as_text=True)
    assert "Venter efter fejl" in page and "1 fejl i træk" in page and "svarede HTTP 500" in page


def test_bad_feed_address_is_refused_with_a_danish_message_and_nothing_stored(admin, sessions):
    response = _post(admin, "/admin/feeds", url="javascript:alert(1)")

    assert response.status_code == 422
    assert "url: skal være en http(s)-adresse" in response.get_data(as_text=True)
    with sessions() as session:
        assert session.scalars(select(FeedSubscription)).all() == []


def test_only_admins_may_subscribe_and_a_post_without_csrf_token_is_refused(app, users, admin, sessions):
    publisher = app.test_client()
    login(publisher, "publisher")
    token = csrf_token(publisher.get("/").get_data(as_text=True))  # the logout form carries one
    refused = publisher.post("/admin/feeds", data={"csrf_token": token, "url": "https://dkr.example/feed"})
    assert refused.status_code == 403
    assert admin.post("/admin/feeds", data={"url": "https://dkr.example/feed"}).status_code == 400
    with sessions() as session:
        assert session.scalars(select(FeedSubscription)).all() == []
