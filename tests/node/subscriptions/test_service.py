"""External feed ingest against a real HTTP server on 127.0.0.1: entries become attributed guidance, refreshed
conditionally, deduplicated, sanitised, guarded against personal data, and failures back off."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from node.core.config import FeedLimits
from node.core.models import FeedSubscription, Item, SubscriptionState, utcnow
from node.subscriptions.entries import entry_local_id, subscription_prefix
from node.subscriptions.service import SubscriptionError, refresh_subscription, run_cycle, subscribe
from node.web.forms import item_to_form
from tests.helpers.feed_server import FeedServer, atom, rss
from tests.helpers.html_safety import executable_parts
from tests.helpers.live_nodes import LiveNode, free_port, wait_for
from tests.helpers.nodes import NODE_ID, acting_node
from tests.helpers.web import csrf_token, login
from tests.helpers.xss_payloads import SHORT_PAYLOADS

SOURCE = "Det Kriminalpræventive Råd"
FIRST = {"id": "urn:dkr:1", "title": "Ny vejledning om bekymringssamtaler", "link": "https://dkr.example/bekymring",
         "summary": "Sådan forbereder I en bekymringssamtale.",
         "content": "<h2>Forberedelse</h2><p>Aftal <strong>rollerne</strong> før samtalen.</p>", "tags": ["SSP"]}
# The feed server runs on 127.0.0.1, which only an administrator's allow-list lets a node fetch from.
LIMITS = FeedLimits(allowed_hosts=("127.0.0.1",))
SECOND = {"id": "urn:dkr:2", "title": "Natteravne i boligområder", "link": "https://dkr.example/natteravne",
          "summary": "Erfaringer fra frivillige voksne på gaden."}


@pytest.fixture(autouse=True)
def allow_the_local_feed_server(monkeypatch):
    """Nodes and apps made in these tests may fetch from 127.0.0.1, where the feed server runs."""
    monkeypatch.setenv("VIDENSNET_FEED_ALLOWED_HOSTS", "127.0.0.1")


def _subscribe(sessions, url: str) -> int:
    # These tests are about ingest: entries are published at once, as they were before review existed.
    with sessions.begin() as session:
        return subscribe(session, url, hold_for_review=False, limits=LIMITS).id


def _refresh(sessions, subscription_id: int):
    return refresh_subscription(sessions, acting_node(), subscription_id, LIMITS)


def _feed_items(sessions, url: str) -> dict[str, Item]:
    with sessions() as session:
        items = session.scalars(select(Item).where(Item.id.startswith(f"{NODE_ID}:{subscription_prefix(url)}"))).all()
        return {item.details["links"][0]["url"] if item.details.get("links") else item.id: item for item in items}


def _subscription(sessions, subscription_id: int) -> FeedSubscription:
    with sessions() as session:
        return session.get(FeedSubscription, subscription_id)


def test_atom_entries_become_public_guidance_items_attributed_to_the_source(sessions, feeds):
    url = feeds.put("/dkr.atom", atom(SOURCE, [FIRST, SECOND]))
    report = _refresh(sessions, _subscribe(sessions, url))

    assert report.counts["created"] == 2 and report.error is None
    items = _feed_items(sessions, url)
    first = items[FIRST["link"]]
    assert (first.type, first.audience, first.status, first.version, first.origin) == (
        "guidance", "public", "published", 1, NODE_ID)
    assert first.title == FIRST["title"] and first.summary == FIRST["summary"]
    assert first.body == "## Forberedelse\n\nAftal **rollerne** før samtalen."
    assert first.tags == ["SSP"]
    assert first.details["issuer"] == SOURCE
    assert first.details["links"] == [{"title": f"Originalen hos {SOURCE}", "url": FIRST["link"]}]
    assert first.details["source"] == {"title": SOURCE, "url": FIRST["link"]}
    assert _subscription(sessions, 1).title == SOURCE


def test_rss_items_become_guidance_items_with_their_source(sessions, feeds):
    url = feeds.put("/ssp.rss", rss("SSP-Samrådet", [SECOND]), "application/rss+xml")
    _refresh(sessions, _subscribe(sessions, url))

    item = _feed_items(sessions, url)[SECOND["link"]]
    assert item.type == "guidance" and item.summary == SECOND["summary"] and item.body == ""
    assert item.details["source"] == {"title": "SSP-Samrådet", "url": SECOND["link"]}


def test_second_refresh_sends_validators_and_a_304_changes_nothing_but_the_check_time(sessions, feeds):
    url = feeds.put("/dkr.atom", atom(SOURCE, [FIRST, SECOND]))
    subscription_id = _subscribe(sessions, url)
    _refresh(sessions, subscription_id)
    before = _subscription(sessions, subscription_id)

    report = _refresh(sessions, subscription_id)

    assert report.not_modified and feeds.statuses == {200: 1, 304: 1}
    etag, modified = feeds.documents["/dkr.atom"][2:]
    assert feeds.requests[1]["If-None-Match"] == etag and feeds.requests[1]["If-Modified-Since"] == modified
    assert "Vidensnet" in feeds.requests[0]["User-Agent"]
    after = _subscription(sessions, subscription_id)
    assert after.last_checked_at > before.last_checked_at and after.last_changed_at == before.last_changed_at
    assert {i.version for i in _feed_items(sessions, url).values()} == {1}


def test_changed_entry_becomes_a_new_version_and_unchanged_entries_stay_as_they_are(sessions, feeds):
    url = feeds.put("/dkr.atom", atom(SOURCE, [FIRST, SECOND]))
    subscription_id = _subscribe(sessions, url)
    _refresh(sessions, subscription_id)
    feeds.put("/dkr.atom", atom(SOURCE, [{**FIRST, "summary": "Opdateret: sådan forbereder I samtalen."}, SECOND]))

    report = _refresh(sessions, subscription_id)

    assert (report.counts["updated"], report.counts["unchanged"], report.counts["created"]) == (1, 1, 0)
    items = _feed_items(sessions, url)
    assert items[FIRST["link"]].version == 2 and items[FIRST["link"]].summary.startswith("Opdateret")
    assert items[SECOND["link"]].version == 1


def test_duplicate_entries_and_repeated_refreshes_never_duplicate_items(sessions, feeds):
    url = feeds.put("/dkr.atom", atom(SOURCE, [FIRST, {**FIRST, "summary": "Samme indslag igen."}, SECOND]))
    subscription_id = _subscribe(sessions, url)
    first = _refresh(sessions, subscription_id)
    # The same document served again with new validators (a server that ignores them) is fetched in full.
    feeds.put("/dkr.atom", atom(SOURCE, [FIRST, {**FIRST, "summary": "Samme indslag igen."}, SECOND]) + " ")
    second = _refresh(sessions, subscription_id)

    assert first.counts == {"created": 2, "duplicate": 1}
    assert second.counts == {"unchanged": 2, "duplicate": 1}
    assert feeds.statuses == {200: 2}
    assert sorted((i.summary, i.version) for i in _feed_items(sessions, url).values()) == [
        (SECOND["summary"], 1), (FIRST["summary"], 1)]


def test_hostile_html_in_entries_is_sanitised_on_every_item_page(sessions, feeds, client):
    entries = [{"id": f"urn:xss:{n}", "title": payload + " titel", "link": f"https://dkr.example/x{n}",
                "summary": payload, "content": f"<p>Indhold</p>{payload}", "tags": [payload[:30]]}
               for n, payload in enumerate(SHORT_PAYLOADS)]
    url = feeds.put("/xss.atom", atom(SOURCE, entries))
    report = _refresh(sessions, _subscribe(sessions, url))

    items = _feed_items(sessions, url)
    assert report.error is None and len(items) + report.counts["skipped"] == len(SHORT_PAYLOADS)
    assert len(items) > len(SHORT_PAYLOADS) * 0.9
    for item in items.values():
        for text in (item.title, item.summary, *item.tags):
            assert "<script" not in text.lower() and "onerror=" not in text.lower(), text
        response = client.get(f"/items/{item.id}")
        assert response.status_code == 200
        assert executable_parts(response.get_data(as_text=True)) == [], item.id


def test_entry_with_personal_data_is_skipped_and_recorded_without_the_value_while_others_ingest(sessions, feeds):
    cpr, phone = "010203-1234", "23 45 67 89"
    leaking = {"id": "urn:dkr:3", "title": "Sag fra skolen", "link": "https://dkr.example/sag",
               "summary": "En elev blev fulgt op.", "content": f"<p>CPR {cpr}, ring til forælder på {phone}.</p>"}
    url = feeds.put("/dkr.atom", atom(SOURCE, [FIRST, leaking, SECOND]))
    subscription_id = _subscribe(sessions, url)

    report = _refresh(sessions, subscription_id)

    assert report.counts == {"created": 2, "skipped": 1}
    assert set(_feed_items(sessions, url)) == {FIRST["link"], SECOND["link"]}
    skipped = _subscription(sessions, subscription_id).skipped
    assert len(skipped) == 1 and skipped[0]["entry"] == 2
    assert "CPR-nummer" in skipped[0]["errors"]["body"] and "telefonnummer" in skipped[0]["errors"]["body"]
    recorded = json.dumps(skipped, ensure_ascii=False)
    assert cpr not in recorded and phone not in recorded and "010203" not in recorded


@pytest.mark.parametrize("break_feed, message", [
    (lambda feeds: feeds.fail("/dkr.atom", 500), "svarede HTTP 500"),
    (lambda feeds: feeds.put("/dkr.atom", "<html><body>Siden findes ikke</body></html>", "text/html"),
     "ikke et gyldigt Atom- eller RSS-feed"),
    (lambda feeds: feeds.put("/dkr.atom", "<feed>" + " " * (2 * 1024 * 1024) + "</feed>"), "større end 2 MB"),
])
def test_broken_feed_or_server_error_backs_off_with_a_danish_error_and_recovers(sessions, feeds, break_feed, message):
    url = feeds.put("/dkr.atom", atom(SOURCE, [FIRST]))
    subscription_id = _subscribe(sessions, url)
    break_feed(feeds)

    report = _refresh(sessions, subscription_id)

    failing = _subscription(sessions, subscription_id)
    assert message in report.error and message in failing.last_error
    assert failing.state == SubscriptionState.BACKING_OFF and failing.failures == 1
    assert failing.next_check_at > utcnow() + timedelta(seconds=20)
    assert _feed_items(sessions, url) == {}
    feeds.put("/dkr.atom", atom(SOURCE, [FIRST]))
    _refresh(sessions, subscription_id)
    recovered = _subscription(sessions, subscription_id)
    assert (recovered.state, recovered.failures, recovered.last_error) == (SubscriptionState.ACTIVE, 0, None)
    assert len(_feed_items(sessions, url)) == 1


def test_unreachable_feed_backs_off_longer_after_each_failure(sessions):
    subscription_id = _subscribe(sessions, f"http://127.0.0.1:{free_port()}/feed.atom")

    first = _refresh(sessions, subscription_id)
    after_one = _subscription(sessions, subscription_id).next_check_at
    _refresh(sessions, subscription_id)
    after_two = _subscription(sessions, subscription_id)

    assert first.error == "feedet kunne ikke hentes"
    assert after_two.state == SubscriptionState.BACKING_OFF and after_two.failures == 2
    assert after_two.next_check_at - after_two.last_checked_at > timedelta(seconds=59)
    assert after_one - utcnow() <= timedelta(seconds=60)


def test_run_cycle_refreshes_only_subscriptions_that_are_due(sessions, feeds):
    due = feeds.put("/due.atom", atom(SOURCE, [FIRST]))
    later = feeds.put("/later.atom", atom(SOURCE, [SECOND]))
    _subscribe(sessions, due)
    later_id = _subscribe(sessions, later)
    with sessions.begin() as session:
        session.get(FeedSubscription, later_id).next_check_at = utcnow() + timedelta(hours=1)

    assert run_cycle(sessions, acting_node(), LIMITS) == 1
    assert len(_feed_items(sessions, due)) == 1 and _feed_items(sessions, later) == {}
    assert run_cycle(sessions, acting_node(), LIMITS) == 0


@pytest.mark.parametrize("url", ["ftp://dkr.example/feed", "javascript:alert(1)", "", "https://"])
def test_subscribe_refuses_what_is_not_an_http_address_naming_the_field_and_stores_nothing(sessions, url):
    with sessions() as session, pytest.raises(SubscriptionError) as refused:
        subscribe(session, url, limits=LIMITS)
    assert str(refused.value).startswith("url: skal være en http(s)-adresse")
    with sessions() as session:
        assert session.scalars(select(FeedSubscription)).all() == []


def test_subscribing_twice_to_the_same_feed_is_refused(sessions):
    _subscribe(sessions, "https://dkr.example/feed")
    with sessions() as session, pytest.raises(SubscriptionError, match="abonnerer allerede"):
        subscribe(session, "https://dkr.example/feed")


def test_item_page_shows_the_source_with_a_link_to_the_original(sessions, feeds, client):
    url = feeds.put("/dkr.atom", atom(SOURCE, [FIRST]))
    _refresh(sessions, _subscribe(sessions, url))
    item = _feed_items(sessions, url)[FIRST["link"]]

    page = client.get(f"/items/{item.id}").get_data(as_text=True)

    assert f'Kilde: <a href="{FIRST["link"]}" rel="noopener noreferrer">{SOURCE}</a>' in page
    assert "<h2>Forberedelse</h2>" in page


def test_running_node_refreshes_a_subscribed_feed_on_its_own_schedule(tmp_path, monkeypatch):
    monkeypatch.setenv("VIDENSNET_FEED_REFRESH_SECONDS", "1")
    node = LiveNode(tmp_path / "dkr", SOURCE, "national")
    with FeedServer() as feeds:
        url = feeds.put("/dkr.atom", atom(SOURCE, [FIRST]))
        node.cli("feed", "subscribe", "--no-review", url)
        item_id = f"{node.id}:{entry_local_id(url, FIRST)}"
        node.start()
        try:
            feeds.put("/dkr.atom", atom(SOURCE, [{**FIRST, "summary": "Opdateret af kilden."}]))
            changed = wait_for(lambda: (node.item(item_id) or {}).get("version") == 2 and node.item(item_id),
                               message="the scheduler to fetch the changed feed")
        finally:
            node.stop()
    assert changed["summary"] == "Opdateret af kilden." and changed["details"]["source"]["title"] == SOURCE
    assert feeds.statuses[200] == 2 and feeds.requests[-1].get("If-None-Match")


def test_publisher_can_save_an_ingested_item_in_the_editor_with_its_source_intact(sessions, feeds, client, users):
    url = feeds.put("/dkr.atom", atom(SOURCE, [FIRST]))
    _refresh(sessions, _subscribe(sessions, url))
    item = _feed_items(sessions, url)[FIRST["link"]]
    login(client, "publisher")

    form = client.get(f"/items/{item.id}/rediger").get_data(as_text=True)
    response = client.post(f"/items/{item.id}/rediger", data={**item_to_form(item), "csrf_token": csrf_token(form)})

    assert f'value="{SOURCE} | {FIRST["link"]}"' in form
    assert response.status_code == 302
    saved = _feed_items(sessions, url)[FIRST["link"]]
    assert saved.details["source"] == {"title": SOURCE, "url": FIRST["link"]}
    assert saved.version == 1  # the form gave back exactly the ingested content
