"""The entry point the node calls when an item changes: queue its index update in the same transaction."""

from __future__ import annotations

from sqlalchemy.orm import Session

from node.core.db import bulk_insert
from node.core.models import utcnow
from search.models import IndexState, IndexTask


def enqueue_index_update(session: Session, item_id: str) -> None:
    """Record that the item's search entry must follow the database (committed with the change)."""
    session.add(IndexTask(item_id=item_id, state=IndexState.QUEUED, attempts=0))


def enqueue_index_updates(session: Session, item_ids: list[str]) -> None:
    """Queue index updates for many items with one statement (replication writes pages of items)."""
    now = utcnow()
    bulk_insert(session, IndexTask.__table__,
                [{"item_id": i, "state": IndexState.QUEUED, "attempts": 0, "created_at": now} for i in item_ids])
