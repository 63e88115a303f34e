"""Review of feed entries and the entry cap, against a real feed server: held entries are no items until a
publisher publishes them; changes of published items are held too; a rejection stands until the source changes it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from node.core.config import FeedLimits
from node.core.models import FeedSubscription, HeldEntryState, HeldFeedEntry, Item, SubscriptionState, User, utcnow
from node.items.publishing import ActingNode
from node.subscriptions.entries import entry_local_id
from node.subscriptions.review import ReviewError, held_entries, publish_held, reject_held
from node.subscriptions.service import SubscriptionError, refresh_subscription, request_refresh, run_cycle, subscribe
from tests.helpers.feed_server import atom
from tests.helpers.nodes import NODE_ID, SINKS
from tests.helpers.nodes import acting_node as node_acting

LIMITS = FeedLimits(allowed_hosts=("127.0.0.1",))
SOURCE = "Det Kriminalpræventive Råd"
ENTRY = {"id": "urn:dkr:1", "title": "Ny vejledning om bekymringssamtaler", "link": "https://dkr.example/1",
         "summary": "Sådan forbereder I en bekymringssamtale."}


def _subscribe(sessions, url: str, **options) -> int:
    with sessions.begin() as session:
        return subscribe(session, url, limits=LIMITS, **options).id


def _as(sessions, username: str):
    with sessions() as session:
        user = session.scalar(select(User).where(User.username == username))
        session.expunge(user)
    return ActingNode(NODE_ID, SINKS, user)


def _items(sessions) -> list[Item]:
    with sessions() as session:
        return session.scalars(select(Item)).all()


def _item_id(url: str, entry: dict) -> str:
    return f"{NODE_ID}:{entry_local_id(url, entry)}"


def test_a_new_subscription_is_queued_holds_entries_for_review_and_the_cycle_fetches_it(sessions, feeds):
    url = feeds.put("/dkr.atom", atom(SOURCE, [ENTRY]))
    subscription_id = _subscribe(sessions, url)
    with sessions() as session:
        queued = session.get(FeedSubscription, subscription_id)
        assert (queued.state, queued.hold_for_review) == (SubscriptionState.QUEUED, True)
    assert feeds.statuses == {}  # subscribing fetched nothing

    assert run_cycle(sessions, node_acting(), LIMITS) == 1

    with sessions() as session:
        assert session.get(FeedSubscription, subscription_id).state == SubscriptionState.ACTIVE
        held = held_entries(session)
    assert _items(sessions) == [] and [h["entry"].data["title"] for h in held] == [ENTRY["title"]]
    assert held[0]["change"] is False


def test_publish_held_publishes_through_the_publishing_service_as_the_publisher(sessions, feeds, users):
    url = feeds.put("/dkr.atom", atom(SOURCE, [ENTRY]))
    refresh_subscription(sessions, node_acting(), _subscribe(sessions, url), LIMITS)

    with sessions.begin() as session:
        publish_held(session, _as(sessions, "publisher"), _item_id(url, ENTRY))

    [item] = _items(sessions)
    assert (item.status, item.version, item.audience, item.author_id is not None) == ("published", 1, "public", True)
    with sessions() as session:
        assert session.scalars(select(HeldFeedEntry)).all() == []
    again = refresh_subscription(sessions, node_acting(), 1, LIMITS)
    assert again.not_modified or again.counts == {"unchanged": 1}


def test_a_change_of_a_published_entry_is_held_and_the_published_version_stays(sessions, feeds, users):
    url = feeds.put("/dkr.atom", atom(SOURCE, [ENTRY]))
    subscription_id = _subscribe(sessions, url)
    refresh_subscription(sessions, node_acting(), subscription_id, LIMITS)
    with sessions.begin() as session:
        publish_held(session, _as(sessions, "publisher"), _item_id(url, ENTRY))
    feeds.put("/dkr.atom", atom(SOURCE, [{**ENTRY, "summary": "Intern hemmelighed."}]))

    report = refresh_subscription(sessions, node_acting(), subscription_id, LIMITS)

    assert report.counts == {"held": 1}
    [item] = _items(sessions)
    assert (item.version, item.summary) == (1, ENTRY["summary"])
    with sessions() as session:
        [held] = held_entries(session)
    assert held["change"] is True and held["entry"].data["summary"] == "Intern hemmelighed."


def test_a_rejected_entry_is_not_offered_again_until_the_source_changes_it(sessions, feeds, users):
    url = feeds.put("/dkr.atom", atom(SOURCE, [ENTRY]))
    subscription_id = _subscribe(sessions, url)
    refresh_subscription(sessions, node_acting(), subscription_id, LIMITS)
    with sessions.begin() as session:
        reject_held(session, _as(sessions, "publisher"), _item_id(url, ENTRY))
    feeds.put("/dkr.atom", atom(SOURCE, [ENTRY]) + " ")  # the same entries, new validators

    assert refresh_subscription(sessions, node_acting(), subscription_id, LIMITS).counts == {"rejected": 1}
    with sessions() as session:
        assert held_entries(session) == []
        assert session.get(HeldFeedEntry, _item_id(url, ENTRY)).reviewed_by == "publisher"
    feeds.put("/dkr.atom", atom(SOURCE, [{**ENTRY, "summary": "Rettet af kilden."}]))
    assert refresh_subscription(sessions, node_acting(), subscription_id, LIMITS).counts == {"held": 1}
    assert _items(sessions) == []


def test_a_rejection_stands_when_review_is_turned_off_later(sessions, feeds, users):
    url = feeds.put("/dkr.atom", atom(SOURCE, [ENTRY, {**ENTRY, "id": "urn:dkr:2", "title": "Natteravne"}]))
    subscription_id = _subscribe(sessions, url)
    refresh_subscription(sessions, node_acting(), subscription_id, LIMITS)
    with sessions.begin() as session:
        reject_held(session, _as(sessions, "publisher"), _item_id(url, ENTRY))
        session.get(FeedSubscription, subscription_id).hold_for_review = False
    feeds.put("/dkr.atom", atom(SOURCE, [ENTRY, {**ENTRY, "id": "urn:dkr:2", "title": "Natteravne"}]) + " ")

    report = refresh_subscription(sessions, node_acting(), subscription_id, LIMITS)

    assert report.counts == {"rejected": 1, "created": 1}
    assert [i.title for i in _items(sessions)] == ["Natteravne"]
    with sessions() as session:
        assert [r.state for r in session.scalars(select(HeldFeedEntry))] == [HeldEntryState.REJECTED]


@pytest.mark.parametrize("username", ["editor", "reader"])
def test_only_a_publisher_may_publish_or_reject_a_held_entry(sessions, feeds, users, username):
    url = feeds.put("/dkr.atom", atom(SOURCE, [ENTRY]))
    refresh_subscription(sessions, node_acting(), _subscribe(sessions, url), LIMITS)
    for decide in (publish_held, reject_held):
        with sessions() as session, pytest.raises(ReviewError, match="kun en udgiver"):
            decide(session, _as(sessions, username), _item_id(url, ENTRY))
    assert _items(sessions) == []


def test_one_large_feed_is_capped_to_the_entry_limit_and_the_rest_reported_not_dropped(sessions, feeds):
    entries = [{"id": f"urn:dkr:{n}", "title": f"Vejledning nummer {n}", "link": f"https://dkr.example/{n}",
                "summary": "Et kort resumé af vejledningen."} for n in range(2000)]
    url = feeds.put("/stor.atom", atom(SOURCE, entries))
    subscription_id = _subscribe(sessions, url)

    report = refresh_subscription(sessions, node_acting(), subscription_id, LIMITS)

    assert report.counts == {"held": 100, "over_limit": 1900}
    assert "100 holdt til gennemsyn" in str(report) and "1900 ikke læst" in str(report)
    with sessions() as session:
        subscription = session.get(FeedSubscription, subscription_id)
        assert (subscription.entries_seen, subscription.entries_over_limit) == (2000, 1900)
        assert len(held_entries(session)) == 100
    assert _items(sessions) == []


def test_refresh_now_queues_a_resting_subscription_and_leaves_one_being_fetched_alone(sessions, feeds):
    url = feeds.put("/dkr.atom", atom(SOURCE, [ENTRY]))
    subscription_id = _subscribe(sessions, url)
    run_cycle(sessions, node_acting(), LIMITS)
    with sessions.begin() as session:
        assert request_refresh(session, subscription_id).state == SubscriptionState.QUEUED
    with sessions.begin() as session:
        session.get(FeedSubscription, subscription_id).state = SubscriptionState.FETCHING
    with sessions.begin() as session:
        assert request_refresh(session, subscription_id).state == SubscriptionState.FETCHING


def test_a_fetch_whose_process_died_is_taken_up_again_once_its_lease_has_run_out(sessions, feeds):
    url = feeds.put("/dkr.atom", atom(SOURCE, [ENTRY]))
    subscription_id = _subscribe(sessions, url)
    with sessions.begin() as session:
        stuck = session.get(FeedSubscription, subscription_id)
        stuck.state, stuck.next_check_at = SubscriptionState.FETCHING, utcnow() + timedelta(minutes=5)
    assert run_cycle(sessions, node_acting(), LIMITS) == 0  # the lease still holds: someone may be fetching
    with sessions.begin() as session:
        session.get(FeedSubscription, subscription_id).next_check_at = utcnow() - timedelta(seconds=1)
    assert run_cycle(sessions, node_acting(), LIMITS) == 1
    with sessions() as session:
        assert session.get(FeedSubscription, subscription_id).state == SubscriptionState.ACTIVE


def test_subscribing_to_an_internal_address_is_refused_at_once_naming_the_field(sessions):
    for url in ("http://127.0.0.1:8080/feed", "http://localhost/feed", "http://169.254.169.254/latest/meta-data/",
                "http://[::1]/feed", "http://metadata.google.internal/"):
        with sessions() as session, pytest.raises(SubscriptionError) as refused:
            subscribe(session, url)
        assert str(refused.value) == "url: adressen er ikke tilladt: den peger på et internt net"
    with sessions() as session:
        assert session.scalars(select(FeedSubscription)).all() == []
