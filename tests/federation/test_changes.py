"""The changes feed: seq order, paging, newer versions move to the end, old tombstones pruned."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, func, select

from federation.audience import NodeView
from federation.changes import changes_since, prune_tombstones, sign_unsigned_items
from federation.models import Envelope
from node.core.models import Item, utcnow
from node.items.publishing import retract
from tests.helpers.nodes import TEST_KEY, acting_node, publish

READER = NodeView("randers-kommune", "municipality", "0730")


def test_feed_pages_in_seq_order_and_a_new_version_moves_to_the_end(sessions):
    publish(sessions, "a", "b", "c")
    publish(sessions, "a", summary="ny")
    with sessions() as session:
        first, cursor, more = changes_since(session, 0, 2, READER)
        rest, end, more_after = changes_since(session, cursor, 2, READER)
    assert [c.id.split(":")[1] for c in first + rest] == ["b", "c", "a"]
    assert more and not more_after
    assert [c.version for c in first + rest] == [1, 1, 2]
    with sessions() as session:
        assert changes_since(session, end, 2, READER) == ([], end, False)


def test_retraction_replaces_the_version_with_a_tombstone(sessions):
    publish(sessions, "a")
    with sessions.begin() as session:
        retract(session, session.get(Item, "aarhus-kommune:a"), acting_node())
    with sessions() as session:
        [change], _, _ = changes_since(session, 0, 10, READER)
    assert (change.kind, change.version) == ("tombstone", 1)


def test_tombstones_older_than_the_window_are_pruned(sessions):
    publish(sessions, "a", "b")
    with sessions.begin() as session:
        retract(session, session.get(Item, "aarhus-kommune:a"), acting_node())
        assert prune_tombstones(session, utcnow() - timedelta(days=1)) == 0
        assert prune_tombstones(session, utcnow() + timedelta(seconds=1)) == 1
        assert session.scalar(select(func.count()).select_from(Envelope)) == 1


def test_items_published_before_federation_are_signed_once(sessions):
    publish(sessions, "a", "b")
    with sessions.begin() as session:
        session.execute(delete(Envelope))
        assert sign_unsigned_items(session, "aarhus-kommune", TEST_KEY) == 2
        assert sign_unsigned_items(session, "aarhus-kommune", TEST_KEY) == 0
