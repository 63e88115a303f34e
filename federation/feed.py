"""The changes feed: this node's signed envelopes in seq order, filtered by audience per peer."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import delete, select, text
from sqlalchemy.orm import Session

from federation.audience import NodeView, may_hold
from federation.models import Envelope, EnvelopeKind
from federation.wire import item_payload, seal, tombstone_payload
from node.db import bulk_insert
from node.item_json import item_to_json
from node.item_schema import format_datetime
from node.models import Item, utcnow

MAX_PAGE = 500
FEED_LOCK = 0x76696465  # the advisory lock id that serialises feed writes on PostgreSQL ('vide')


@dataclass(frozen=True)
class Change:
    """One entry of a feed page: enough for a peer to decide whether it needs the body."""

    seq: int
    id: str
    version: int
    kind: str

    def to_json(self) -> dict[str, Any]:
        return {"seq": self.seq, "id": self.id, "version": self.version, "kind": self.kind}


def store_envelope(session: Session, payload: dict[str, Any], envelope: dict[str, Any], kind: EnvelopeKind,
                   audience: Any, received_from: str | None) -> None:
    """Replace the item's envelope row, giving it the next seq in the feed."""
    replace_envelopes(session, [{
        "item_id": payload["id"], "origin": payload["origin"], "version": payload["version"], "kind": kind,
        "audience": audience, "envelope": json.dumps(envelope, ensure_ascii=False, separators=(",", ":")),
        "received_from": received_from,
    }])


def replace_envelopes(session: Session, rows: list[dict[str, Any]]) -> None:
    """Replace the envelope rows of these items (at most one row per item), giving them new seqs in list order."""
    if not rows:
        return
    _serialise_feed_writes(session)
    session.execute(delete(Envelope).where(Envelope.item_id.in_([r["item_id"] for r in rows])))
    now = utcnow()
    bulk_insert(session, Envelope.__table__, [{**row, "stored_at": now} for row in rows])


def _serialise_feed_writes(session: Session) -> None:
    # A peer's cursor skips nothing only if seqs become visible in seq order. SQLite serialises
    # writers already; on PostgreSQL two transactions could commit out of seq order, so every
    # feed write takes one transaction-scoped lock, held until commit.
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": FEED_LOCK})


def record_local_version(session: Session, item: Item, key: Ed25519PrivateKey) -> None:
    """Sign the item's current published version and put it in the feed."""
    payload = item_payload(item_to_json(item))
    store_envelope(session, payload, seal(payload, key), EnvelopeKind.ITEM, item.audience, None)


def record_local_tombstone(session: Session, item: Item, reason: str, key: Ed25519PrivateKey) -> None:
    """Sign a retraction or expiry of the item and put it in the feed."""
    payload = tombstone_payload(item.id, item.origin, item.version, reason, format_datetime(utcnow()))
    store_envelope(session, payload, seal(payload, key), EnvelopeKind.TOMBSTONE, item.audience, None)


def changes_since(session: Session, cursor: int, limit: int, reader: NodeView) -> tuple[list[Change], int, bool]:
    """A page of the feed after `cursor` that `reader` may see, the next cursor, and whether more follow.

    Rows outside the reader's audience are skipped but still advance the cursor,
    so an empty poll reads nothing past the cursor: it costs one index probe.
    """
    limit = max(1, min(limit, MAX_PAGE))
    rows = session.execute(
        select(Envelope.seq, Envelope.item_id, Envelope.version, Envelope.kind, Envelope.audience, Envelope.origin)
        .where(Envelope.seq > cursor).order_by(Envelope.seq).limit(limit)
    ).all()
    changes = [Change(r.seq, r.item_id, r.version, r.kind) for r in rows if may_hold(r.audience, reader, r.origin)]
    next_cursor = rows[-1].seq if rows else cursor
    return changes, next_cursor, len(rows) == limit


def envelope_texts_for(session: Session, item_ids: list[str], reader: NodeView) -> list[str]:
    """The stored envelopes (as JSON text, served as stored) of these items that `reader` may hold."""
    rows = session.execute(
        select(Envelope.envelope, Envelope.audience, Envelope.origin).where(Envelope.item_id.in_(item_ids[:MAX_PAGE]))
    ).all()
    return [r.envelope for r in rows if may_hold(r.audience, reader, r.origin)]


class Held(NamedTuple):
    """What this node holds for one item: its envelope's version, kind and audience."""

    version: int
    kind: str
    audience: Any


def held_versions(session: Session, item_ids: list[str]) -> dict[str, Held]:
    """The held envelope (version, kind, audience) of each of these items that this node holds."""
    rows = session.execute(
        select(Envelope.item_id, Envelope.version, Envelope.kind, Envelope.audience)
        .where(Envelope.item_id.in_(item_ids))
    ).all()
    return {r.item_id: Held(r.version, r.kind, r.audience) for r in rows}


def prune_tombstones(session: Session, older_than: datetime) -> int:
    """Forget tombstones stored before `older_than`; returns how many."""
    result = session.execute(
        delete(Envelope).where(Envelope.kind == EnvelopeKind.TOMBSTONE, Envelope.stored_at < older_than)
    )
    return result.rowcount or 0


def sign_unsigned_items(session: Session, node_id: str, key: Ed25519PrivateKey) -> int:
    """Sign this node's published items that have no envelope yet (items from before federation)."""
    unsigned = session.scalars(
        select(Item).where(Item.origin == node_id, Item.status == "published",
                           Item.id.not_in(select(Envelope.item_id)))
    ).all()
    for item in unsigned:
        record_local_version(session, item, key)
    return len(unsigned)
