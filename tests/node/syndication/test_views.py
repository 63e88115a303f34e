"""Feeds through the app: public items only, in every feed, with stable ids, absolute links and 304s."""

from __future__ import annotations

import json
from datetime import timedelta
from urllib.parse import urlsplit
from xml.etree import ElementTree

import feedparser
import pytest

from node.core.models import Item, utcnow
from node.items.files import import_items
from node.items.publishing import create_draft, retract
from node.items.replicas import Replica, replace_replicas
from node.items.schema import validate_item
from tests.helpers.html_safety import executable_parts
from tests.helpers.nodes import SINKS, acting_node
from tests.helpers.web import login
from tests.helpers.xss_payloads import SHORT_PAYLOADS, handmade_item_with

BY = acting_node("aarhus-kommune")
TAG = "skolevægring"
HIDDEN_AUDIENCES = {
    "netvaerk": "network",
    "kreds": {"districts": ["Østjyllands Politi"]},
    "noder": {"nodes": ["randers-kommune"]},
}
FEEDS = ["/feeds/alle", "/feeds/node/aarhus-kommune", "/feeds/node/dkr", "/feeds/type/practice",
         "/feeds/type/guidance", f"/feeds/emneord/{TAG}"]
ALL_FEED_URLS = [f"{path}.{fmt}" for path in FEEDS for fmt in ("atom", "rss")]


def _line(local_id: str, audience="public", item_type: str = "practice", **fields) -> str:
    return json.dumps({"id": local_id, "type": item_type, "title": f"Titel {local_id}", "summary": f"Resumé {local_id}",
                       "audience": audience, "tags": [TAG], **fields}, ensure_ascii=False)


def _publish(sessions, *lines: str) -> None:
    with sessions.begin() as session:
        import_items(session, BY, list(lines))


def _replica(sessions, local_id: str, audience="public") -> str:
    """Hold a version of an item of the national node 'dkr', as replication would store it."""
    item_id = f"dkr:{local_id}"
    content = validate_item({**json.loads(_line(local_id, audience, "guidance")), "id": item_id}, node_id="dkr")
    with sessions.begin() as session:
        replace_replicas(session, {item_id: Replica(item_id, "dkr", 1, utcnow(), content)}, SINKS)
    return item_id


@pytest.fixture
def held(sessions):
    """A public item of this node and of dkr, and every kind of item that must never be in a feed."""
    _publish(sessions, _line("offentlig"), _line("tilbagetrukket"), _line("udloebet"),
             *(_line(local_id, audience) for local_id, audience in HIDDEN_AUDIENCES.items()))
    with sessions.begin() as session:
        retract(session, session.get(Item, "aarhus-kommune:tilbagetrukket"), BY)
        session.get(Item, "aarhus-kommune:udloebet").expires_at = utcnow() - timedelta(minutes=1)
        create_draft(session, BY, validate_item(json.loads(_line("kladde")), node_id="aarhus-kommune"))
    public_replica = _replica(sessions, "national-vejledning")
    hidden_replica = _replica(sessions, "netvaerks-vejledning", "network")
    hidden = ["aarhus-kommune:" + x for x in [*HIDDEN_AUDIENCES, "kladde", "tilbagetrukket", "udloebet"]]
    return {"public": ["aarhus-kommune:offentlig", public_replica], "hidden": [*hidden, hidden_replica]}


def _feed(client, url: str):
    response = client.get(url)
    assert response.status_code == 200, url
    feed = feedparser.parse(response.data)
    assert feed.bozo == 0, (url, feed.get("bozo_exception"))
    return feed


def _item_ids(feed) -> list[str]:
    return [entry.id.removeprefix("urn:vidensnet:item:") for entry in feed.entries]


@pytest.mark.parametrize("url", ALL_FEED_URLS)
def test_every_feed_parses_and_has_its_content_type(client, held, url):
    response = client.get(url)
    expected = "application/atom+xml" if url.endswith(".atom") else "application/rss+xml"
    assert response.headers["Content-Type"] == f"{expected}; charset=utf-8"
    _feed(client, url)


def test_restricted_draft_retracted_and_expired_items_are_in_no_feed(client, held):
    for url in ALL_FEED_URLS:
        ids = _item_ids(_feed(client, url))
        assert not set(ids) & set(held["hidden"]), url
    assert set(_item_ids(_feed(client, "/feeds/alle.atom"))) == set(held["public"])
    assert set(_item_ids(_feed(client, f"/feeds/emneord/{TAG}.rss"))) == set(held["public"])


def test_a_logged_in_user_still_gets_only_public_items(app, held, users):
    reader = app.test_client()
    login(reader, "reader")
    assert reader.get("/praksis").get_data(as_text=True).count('class="card"') > 1  # the reader sees more on pages
    assert set(_item_ids(_feed(reader, "/feeds/alle.atom"))) == set(held["public"])


def test_a_replica_is_only_in_its_origins_node_feed(client, held):
    assert _item_ids(_feed(client, "/feeds/node/dkr.atom")) == ["dkr:national-vejledning"]
    assert _item_ids(_feed(client, "/feeds/node/aarhus-kommune.atom")) == ["aarhus-kommune:offentlig"]
    assert _item_ids(_feed(client, "/feeds/type/guidance.rss")) == ["dkr:national-vejledning"]
    assert _item_ids(_feed(client, "/feeds/type/practice.rss")) == ["aarhus-kommune:offentlig"]


def test_entry_id_is_stable_across_a_new_version_while_updated_changes(client, sessions):
    _publish(sessions, _line("version"))
    first = _feed(client, "/feeds/alle.atom").entries[0]
    _publish(sessions, _line("version", summary="Et nyt resumé i version 2."))
    second = _feed(client, "/feeds/alle.atom").entries[0]
    assert first.id == second.id == "urn:vidensnet:item:aarhus-kommune:version"
    assert second.summary == "Et nyt resumé i version 2."
    assert second.updated > first.updated
    assert first.published == second.published


def test_links_are_absolute_from_the_node_url_and_open_the_item_page(client, held, config):
    for url in ("/feeds/alle.atom", "/feeds/alle.rss"):
        feed = _feed(client, url)
        assert feed.feed.link == config.node.url + "/"
        for entry in feed.entries:
            assert entry.link.startswith(config.node.url + "/items/")
            page = client.get(urlsplit(entry.link).path)
            assert page.status_code == 200 and entry.title in page.get_data(as_text=True)


def test_html_content_is_sanitised(client, sessions):
    items = [handmade_item_with(p, f"xss-{n}", "method") for n, p in enumerate(SHORT_PAYLOADS)]
    with sessions.begin() as session:
        import_items(session, BY, [json.dumps(i, ensure_ascii=False) for i in items])
    for url, element in (("/feeds/type/method.atom", "{http://www.w3.org/2005/Atom}content"),
                         ("/feeds/type/method.rss", "{http://purl.org/rss/1.0/modules/content/}encoded")):
        _feed(client, url)
        html = [e.text or "" for e in ElementTree.fromstring(client.get(url).data).iter(element)]
        assert len(html) == len(SHORT_PAYLOADS)
        assert all(executable_parts(fragment) == [] for fragment in html), url


def test_unchanged_feed_answers_304_and_a_retraction_changes_it(client, held, sessions):
    first = client.get("/feeds/alle.atom")
    etag = first.headers["ETag"]
    again = client.get("/feeds/alle.atom", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    with sessions.begin() as session:
        retract(session, session.get(Item, "aarhus-kommune:offentlig"), BY)
    changed = client.get("/feeds/alle.atom", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert "aarhus-kommune:offentlig" not in _item_ids(feedparser.parse(changed.data))


def test_an_empty_feed_is_byte_identical_between_requests(client):
    assert client.get("/feeds/type/plan.rss").data == client.get("/feeds/type/plan.rss").data


def test_unknown_type_format_or_bad_node_id_is_404(client):
    for url in ("/feeds/type/nyhed.atom", "/feeds/type/practice.json", "/feeds/node/Ikke_En_Node.rss", "/feeds/alle"):
        assert client.get(url).status_code == 404, url


def test_front_and_list_pages_announce_their_feeds(client, held):
    front = client.get("/").get_data(as_text=True)
    assert '<link rel="alternate" type="application/atom+xml"' in front and 'href="/feeds/alle.atom"' in front
    assert 'type="application/rss+xml"' in front and 'href="/feeds/alle.rss"' in front
    listing = client.get(f"/vejledninger?tag={TAG}").get_data(as_text=True)
    for href in ("/feeds/type/guidance.atom", "/feeds/type/guidance.rss", "/feeds/emneord/skolev%C3%A6gring.atom"):
        assert f'href="{href}"' in listing
        _feed(client, href)
    assert "Abonnér på vejledninger" in listing
