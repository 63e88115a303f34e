"""Items this node holds on behalf of another origin: stored and removed as the federation says."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from node.item_schema import ItemContent
from node.models import Item, ItemStatus
from node.publishing import apply_content
from search.outbox import enqueue_index_update


def store_replica(session: Session, item_id: str, origin: str, version: int, published_at: datetime,
                  content: ItemContent) -> Item:
    """Hold another node's published item version, replacing an older one."""
    item = session.get(Item, item_id)
    if item is None:
        item = Item(id=item_id, origin=origin, created_at=published_at)
        session.add(item)
    apply_content(item, content)
    item.version, item.status = version, ItemStatus.PUBLISHED
    item.published_at = item.updated_at = published_at
    enqueue_index_update(session, item_id)
    session.flush()
    return item


def remove_replica(session: Session, item_id: str) -> bool:
    """Forget another node's item entirely (retracted or expired at its origin)."""
    item = session.get(Item, item_id)
    if item is None:
        return False
    session.delete(item)
    enqueue_index_update(session, item_id)
    session.flush()
    return True
