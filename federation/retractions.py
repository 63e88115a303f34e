"""Retracted items as a node remembers them: who retracted an item it held, and when, from the signed tombstone."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from federation.audience import may_hold
from federation.local import LocalNode
from federation.models import Envelope, EnvelopeKind, KnownNode, Peer
from node.core.models import Item, ItemStatus


@dataclass(frozen=True)
class Retraction:
    """That an item was retracted by its origin, when, and the audience it was meant for."""

    item_id: str
    origin: str
    origin_name: str
    at: datetime
    audience: Any

    @property
    def public(self) -> bool:
        """Whether the retracted item was public (anyone may learn it is gone)."""
        return self.audience == "public"


def find_retraction(session: Session, item_id: str, local: LocalNode) -> Retraction | None:
    """The retraction of an item this node held, as its origin or as a replica; None for anything else.

    A tombstone for an item outside this node's audience (relayed, or never held here) is none of its
    business, so it is not told: for it the item does not exist.
    """
    item = session.get(Item, item_id)
    if item is not None and item.origin == local.id and item.status == ItemStatus.RETRACTED:
        return Retraction(item.id, item.origin, local.settings.name, item.retracted_at or item.updated_at,
                          item.audience)
    row = session.scalar(select(Envelope).where(Envelope.item_id == item_id, Envelope.kind == EnvelopeKind.TOMBSTONE))
    if row is None or not may_hold(row.audience, local.view, row.origin):
        return None
    payload = json.loads(row.envelope)["payload"]
    if payload.get("reason") != "retracted":
        return None
    return Retraction(item_id, row.origin, node_name(session, row.origin, local), _moment(payload.get("at"), row),
                      row.audience)


def node_name(session: Session, node_id: str, local: LocalNode) -> str:
    """A node's name from its signed descriptor as this node knows it, else its id."""
    if node_id == local.id:
        return local.settings.name
    known = session.get(KnownNode, node_id) or session.get(Peer, node_id)
    return known.name if known is not None and known.name else node_id


def _moment(text: Any, row: Envelope) -> datetime:
    # The time the origin signed into the tombstone; when unreadable, when this node stored it.
    try:
        moment = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return row.stored_at
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
