"""The review page for held feed entries: a publisher reads them and publishes or rejects them (POST + CSRF);
held entries are not public, not searchable and never reach another node until "Udgiv"."""

from __future__ import annotations

import pytest
import requests
from sqlalchemy import select

from node.audit.models import AuditEvent
from node.core.config import FeedLimits
from node.core.models import HeldFeedEntry, Item
from node.subscriptions.entries import entry_local_id
from node.subscriptions.service import refresh_subscription, subscribe
from tests.helpers.danish_text import danish_leftovers
from tests.helpers.feed_server import FeedServer, atom
from tests.helpers.live_nodes import HTTP_TIMEOUT, LiveNode, peer, stop_all, wait_for
from tests.helpers.nodes import NODE_ID, PASSWORD, acting_node
from tests.helpers.web import csrf_token, login
from tests.node.web.views.admin_english import in_english

LIMITS = FeedLimits(allowed_hosts=("127.0.0.1",))
SOURCE = "Det Kriminalpræventive Råd"
ENTRY = {"id": "urn:dkr:1", "title": "Intern hemmelighed om bekymringssamtaler", "link": "https://dkr.example/1",
         "summary": "Sådan forbereder I en bekymringssamtale.", "content": "<p>Aftal <strong>rollerne</strong>.</p>"}


@pytest.fixture
def held(sessions, feeds) -> str:
    """One entry fetched from a subscription that holds entries for review; returns its item id."""
    url = feeds.put("/dkr.atom", atom(SOURCE, [ENTRY]))
    with sessions.begin() as session:
        subscription_id = subscribe(session, url, limits=LIMITS).id
    refresh_subscription(sessions, acting_node(), subscription_id, LIMITS)
    return f"{NODE_ID}:{entry_local_id(url, ENTRY)}"


def _decide(client, item_id: str, decision: str):
    token = csrf_token(client.get("/admin/feeds/gennemsyn/").get_data(as_text=True))
    return client.post(f"/admin/feeds/gennemsyn/{item_id}/{decision}", data={"csrf_token": token})


def test_a_held_entry_is_shown_to_a_publisher_and_to_nobody_else(app, users, held):
    page = app.test_client()
    login(page, "publisher")
    listed = page.get("/admin/feeds/gennemsyn/").get_data(as_text=True)
    assert ENTRY["title"] in listed and "Nyt indslag fra Det Kriminalpræventive Råd" in listed
    assert "<strong>rollerne</strong>" in listed and "Udgiv" in listed and "Afvis" in listed

    anonymous = app.test_client()
    assert anonymous.get(f"/items/{held}").status_code == 404
    assert anonymous.get(f"/api/v1/items/{held}").status_code == 404
    assert ENTRY["title"] not in anonymous.get("/feeds/alle.atom").get_data(as_text=True)
    assert ENTRY["title"] not in anonymous.get("/vejledninger").get_data(as_text=True)
    assert ENTRY["title"] not in anonymous.get("/sog?q=hemmelighed").get_data(as_text=True)
    editor = app.test_client()
    login(editor, "editor")
    assert editor.get("/admin/feeds/gennemsyn/").status_code == 403


def test_udgiv_publishes_the_entry_as_the_publisher_it_becomes_public_and_the_act_is_logged(app, users, held, sessions):
    publisher = app.test_client()
    login(publisher, "publisher")

    response = _decide(publisher, held, "udgiv")

    assert response.status_code == 302
    assert f"»{ENTRY['title']}« er udgivet." in publisher.get("/admin/feeds/gennemsyn/").get_data(as_text=True)
    anonymous = app.test_client()
    assert anonymous.get(f"/api/v1/items/{held}").json["status"] == "published"
    assert ENTRY["title"] in anonymous.get("/sog?q=hemmelighed").get_data(as_text=True)
    with sessions() as session:
        assert session.get(Item, held).author.username == "publisher"
        assert session.scalars(select(HeldFeedEntry)).all() == []
        assert session.execute(select(AuditEvent.act, AuditEvent.actor_name)).all() == [
            ("feed_entry_published", "publisher")]


def test_afvis_publishes_nothing_the_entry_leaves_the_list_and_the_act_is_logged(app, users, held, sessions):
    publisher = app.test_client()
    login(publisher, "publisher")

    _decide(publisher, held, "afvis")

    listed = publisher.get("/admin/feeds/gennemsyn/").get_data(as_text=True)
    assert "er afvist og bliver ikke udgivet" in listed and "Ingen indslag venter på gennemsyn." in listed
    with sessions() as session:
        assert session.scalars(select(Item)).all() == []
        assert session.execute(select(AuditEvent.act, AuditEvent.subject)).all() == [
            ("feed_entry_rejected", ENTRY["title"])]


def test_a_decision_needs_a_csrf_token_and_a_second_decision_is_refused_in_danish(app, users, held):
    publisher = app.test_client()
    login(publisher, "publisher")
    assert publisher.post(f"/admin/feeds/gennemsyn/{held}/udgiv").status_code == 400
    _decide(publisher, held, "udgiv")

    again = _decide(publisher, held, "afvis")

    assert again.status_code == 422 and "venter ikke (længere) på gennemsyn" in again.get_data(as_text=True)


def test_held_entries_stay_on_their_node_until_a_publisher_publishes_them_there(tmp_path, monkeypatch):
    monkeypatch.setenv("VIDENSNET_FEED_ALLOWED_HOSTS", "127.0.0.1")
    dkr = LiveNode(tmp_path / "dkr", SOURCE, "national")
    politi = LiveNode(tmp_path / "politi", "Østjyllands Politi", "police", district="Østjyllands Politi")
    with FeedServer() as feeds:
        url = feeds.put("/dkr.atom", atom(SOURCE, [ENTRY]))
        item_id = f"{dkr.id}:{entry_local_id(url, ENTRY)}"
        try:
            dkr.start()
            politi.start()
            peer(politi, dkr)
            dkr.cli("feed", "subscribe", url)  # review is on unless --no-review
            admin = requests.Session()
            page = admin.get(dkr.url + "/login", timeout=HTTP_TIMEOUT).text
            admin.post(dkr.url + "/login", data={"username": "admin", "password": PASSWORD,
                                                 "csrf_token": csrf_token(page)}, timeout=HTTP_TIMEOUT)
            review = admin.get(dkr.url + "/admin/feeds/gennemsyn/", timeout=HTTP_TIMEOUT).text
            assert ENTRY["title"] in review
            assert requests.get(f"{dkr.url}/api/v1/items/{item_id}", timeout=HTTP_TIMEOUT).status_code == 404
            assert dkr.item(item_id) is None and politi.item(item_id) is None

            admin.post(f"{dkr.url}/admin/feeds/gennemsyn/{item_id}/udgiv", data={"csrf_token": csrf_token(review)},
                       timeout=HTTP_TIMEOUT)

            arrived = wait_for(lambda: politi.item(item_id), timeout=60, message="the published entry at the peer")
        finally:
            stop_all([dkr, politi])
    assert arrived["title"] == ENTRY["title"] and arrived["details"]["source"]["title"] == SOURCE


def test_the_review_page_and_its_messages_speak_english_with_the_entry_marked_danish(app, users, held):
    publisher = app.test_client()
    login(publisher, "publisher")
    in_english(publisher)
    listed = publisher.get("/admin/feeds/gennemsyn/").get_data(as_text=True)
    assert '<html lang="en">' in listed and "<h1>Entries for review</h1>" in listed
    assert 'New entry from <span lang="da">Det Kriminalpræventive Råd</span>, fetched' in listed
    assert f'<h2 lang="da">{ENTRY["title"]}</h2>' in listed and "Summary:" in listed and "Publish" in listed
    assert danish_leftovers(listed) == []
    published = _decide(publisher, held, "udgiv")
    page = publisher.get(published.headers["Location"]).get_data(as_text=True)
    assert f'“<span lang="da">{ENTRY["title"]}</span>” has been published.' in page
    assert "No entries are waiting for review." in page and danish_leftovers(page) == []
    again = _decide(publisher, held, "afvis")
    refused = again.get_data(as_text=True)
    assert again.status_code == 422 and "the entry is not (or no longer) waiting for review" in refused
