"""Items this node holds on behalf of another origin: stored and removed as the federation says.

Replicas arrive a page at a time, so they are written a page at a time: one
bulk statement per table instead of an ORM flush per item (see the ingest
figures in docs/benchmarks.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from node.core.db import bulk_insert
from node.core.models import Item, ItemStatus, ItemTerm
from node.items.publishing import content_columns, content_terms
from node.items.schema import ItemContent
from node.items.sinks import ItemSinks


@dataclass(frozen=True)
class Replica:
    """One published version of another node's item, validated and ready to hold."""

    item_id: str
    origin: str
    version: int
    published_at: datetime
    content: ItemContent


def replace_replicas(session: Session, changes: dict[str, Replica | None], sinks: ItemSinks) -> None:
    """Make the held replicas match `changes`: a Replica is stored (replacing any older one), None removes the item."""
    if not changes:
        return
    ids = list(changes)
    created = dict(session.execute(select(Item.id, Item.created_at).where(Item.id.in_(ids))).all())
    if created:  # only held items have rows to replace (most of a first sync has none)
        session.execute(delete(ItemTerm).where(ItemTerm.item_id.in_(list(created))))
        session.execute(delete(Item).where(Item.id.in_(list(created))))
    stored = [r for r in changes.values() if r is not None]
    if stored:
        bulk_insert(session, Item.__table__, [_item_row(r, created.get(r.item_id)) for r in stored])
        terms = [{"item_id": r.item_id, "field": f, "value": v} for r in stored for f, v in content_terms(r.content)]
        bulk_insert(session, ItemTerm.__table__, terms)
    sinks.items_changed(session, ids)


def _item_row(replica: Replica, created_at: datetime | None) -> dict:
    return {
        **content_columns(replica.content),
        "id": replica.item_id, "origin": replica.origin, "version": replica.version,
        "status": ItemStatus.PUBLISHED, "published_at": replica.published_at, "updated_at": replica.published_at,
        # A newer version of a held replica keeps the date this node first received it.
        "created_at": created_at or replica.published_at, "retracted_at": None, "author_id": None,
        "content_authors": [],  # written elsewhere: no local user changed it
    }

