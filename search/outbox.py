"""The outbox sink: every item change queues its index update in the same transaction."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy.orm import Session

from node.core.db import bulk_insert
from node.core.models import Item, utcnow
from search.models import IndexState, IndexTask


def enqueue_index_update(session: Session, item_id: str) -> None:
    """Record that the item's search entry must follow the database (committed with the change)."""
    session.add(IndexTask(item_id=item_id, state=IndexState.QUEUED, attempts=0))


def enqueue_index_updates(session: Session, item_ids: list[str]) -> None:
    """Queue index updates for many items with one statement (replication writes pages of items)."""
    now = utcnow()
    bulk_insert(session, IndexTask.__table__,
                [{"item_id": i, "state": IndexState.QUEUED, "attempts": 0, "created_at": now} for i in item_ids])


class OutboxSink:
    """The search package's item sink (see node.items.sinks): any change of an item queues its index update."""

    def version_published(self, session: Session, item: Item) -> None:
        """Queue the new version's index update."""
        enqueue_index_update(session, item.id)

    def item_withdrawn(self, session: Session, item: Item, reason: str) -> None:
        """Queue the removal of a retracted or expired item from the index."""
        enqueue_index_update(session, item.id)

    def items_changed(self, session: Session, item_ids: Sequence[str]) -> None:
        """Queue index updates for held items that changed, with one statement."""
        enqueue_index_updates(session, list(item_ids))

    def first_versions_prepared(self, items: Sequence[Item]) -> Callable[[Session], None]:
        """Nothing to prepare: the write queues the new items' index updates with one statement."""
        ids = [item.id for item in items]
        return lambda session: enqueue_index_updates(session, ids)
