"""The changes feed: this node's signed envelopes in seq order, filtered by audience per peer."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

import orjson
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Select, delete, func, select, text, update
from sqlalchemy.orm import Session

from federation.audience import NodeView, may_hold
from federation.models import Envelope, EnvelopeKind
from federation.wire import (
    digest,
    item_payload,
    plan_endorsement_id,
    seal,
    seal_as_text,
    tombstone_payload,
    withdrawal_payload,
)
from node.core.canonical import canonical_json
from node.core.db import bulk_insert
from node.core.models import Item, utcnow
from node.items.as_json import item_to_json
from node.items.schema import format_datetime

MAX_PAGE = 500
FEED_LOCK = 0x76696465  # the advisory lock id that serialises feed writes on PostgreSQL ('vide')


@dataclass(frozen=True)
class Change:
    """One entry of a feed page: enough for a peer to decide whether it needs the body."""

    seq: int
    id: str
    version: int
    kind: str
    digest: str | None = None  # of the payload served for this change; None where the node keeps none

    def to_json(self) -> dict[str, Any]:
        """The change as the feed answer carries it (§8.4); `digest` only where it is known."""
        entry = {"seq": self.seq, "id": self.id, "version": self.version, "kind": self.kind}
        if self.digest:
            entry["digest"] = self.digest
        return entry


def store_envelope(session: Session, payload: dict[str, Any], envelope: dict[str, Any], kind: EnvelopeKind,
                   audience: Any, received_from: str | None, withdrawn_from: list[Any] | None = None,
                   withdrawal: dict[str, Any] | None = None) -> None:
    """Replace the item's envelope row, giving it the next seq in the feed."""
    replace_envelopes(session, [envelope_row(payload, envelope, kind, audience, received_from, withdrawn_from,
                                             withdrawal)])


def envelope_row(payload: dict[str, Any], envelope: dict[str, Any], kind: EnvelopeKind, audience: Any,
                 received_from: str | None, withdrawn_from: list[Any] | None = None,
                 withdrawal: dict[str, Any] | None = None) -> dict[str, Any]:
    """The feed row (without seq and stored_at) of a signed envelope."""
    return text_row(payload, _text(envelope), digest(payload), kind, audience, received_from, withdrawn_from,
                    withdrawal)


def text_row(payload: dict[str, Any], text: str, payload_digest: str, kind: EnvelopeKind, audience: Any,
             received_from: str | None, withdrawn_from: list[Any] | None = None,
             withdrawal: dict[str, Any] | None = None) -> dict[str, Any]:
    """envelope_row for an envelope already stored as text, with its payload's digest."""
    return {
        "item_id": payload["id"], "origin": payload["origin"], "version": payload["version"], "kind": kind,
        "audience": audience, "envelope": text, "received_from": received_from,
        "withdrawn_from": withdrawn_from, "withdrawal": _text(withdrawal) if withdrawal else None, "subject": None,
        "digest": payload_digest,
    }


def plan_endorsement_row(payload: dict[str, Any], text: str, plan: Held, received_from: str | None) -> dict[str, Any]:
    """The feed row of a plan endorsement: the plan's origin and audience decide who may receive it."""
    return {"item_id": plan_endorsement_id(payload), "origin": payload["plan"].rpartition(":")[0],
            "version": payload["version"], "kind": EnvelopeKind.PLAN_ENDORSEMENT, "audience": plan.audience,
            "envelope": text, "received_from": received_from, "withdrawn_from": None, "withdrawal": None,
            "subject": payload["plan"], "digest": digest(payload)}


def _text(envelope: dict[str, Any]) -> str:
    return orjson.dumps(envelope).decode("utf-8")  # compact UTF-8 JSON, as json.dumps with ensure_ascii=False


def replace_envelopes(session: Session, rows: list[dict[str, Any]]) -> None:
    """Replace the envelope rows of these items (at most one row per item), giving them new seqs in list order.

    Each row carries its payload's `digest`; a replaced row's conflict ends with it (a new version or a tombstone).
    """
    if not rows:
        return
    _serialise_feed_writes(session)
    session.execute(delete(Envelope).where(Envelope.item_id.in_([r["item_id"] for r in rows])))
    now = utcnow()
    bulk_insert(session, Envelope.__table__, [{"conflict": False, **row, "stored_at": now} for row in rows])
    _update_endorsements(session, rows)


def _update_endorsements(session: Session, rows: list[dict[str, Any]]) -> None:
    """Endorsements follow their plan: a new version moves them after it, with its audience; an end drops them."""
    ended = [r["item_id"] for r in rows if r["kind"] in (EnvelopeKind.TOMBSTONE, EnvelopeKind.WITHDRAWAL)]
    if ended:
        session.execute(delete(Envelope).where(Envelope.subject.in_(ended)))
    audiences = {r["item_id"]: r["audience"] for r in rows if r["kind"] == EnvelopeKind.ITEM}
    if not audiences:
        return
    followers = [dict(r) for r in session.execute(select(*_MOVED).where(Envelope.subject.in_(list(audiences))))
                 .mappings()]
    if followers:  # moving them to the end of the feed lets nodes that just entered the audience see them
        session.execute(delete(Envelope).where(Envelope.item_id.in_([f["item_id"] for f in followers])))
        now = utcnow()
        bulk_insert(session, Envelope.__table__,
                    [{**f, "audience": audiences[f["subject"]], "stored_at": now} for f in followers])


_MOVED = [c for c in Envelope.__table__.c if c.name not in ("seq", "stored_at")]


def held_payload(session: Session, item_id: str) -> dict[str, Any] | None:
    """The signed payload of the envelope this node holds for an item, or None."""
    text_ = session.scalar(select(Envelope.envelope).where(Envelope.item_id == item_id))
    return json.loads(text_)["payload"] if text_ else None


def _serialise_feed_writes(session: Session) -> None:
    # A peer's cursor skips nothing only if seqs become visible in seq order. SQLite serialises
    # writers already; on PostgreSQL two transactions could commit out of seq order, so every
    # feed write takes one transaction-scoped lock, held until commit.
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": FEED_LOCK})


def record_local_version(session: Session, item: Item, key: Ed25519PrivateKey) -> None:
    """Sign the item's current published version and put it in the feed."""
    payload = item_payload(item_to_json(item))
    earlier = _earlier_audiences(session, item)
    withdrawal = None
    if earlier:  # nodes that held an earlier version but are outside this audience must drop it
        notice = withdrawal_payload(item.id, item.origin, item.version, item.audience, earlier,
                                    format_datetime(utcnow()))
        withdrawal = seal(notice, key)
    store_envelope(session, payload, seal(payload, key), EnvelopeKind.ITEM, item.audience, None, earlier or None,
                   withdrawal)


def record_local_tombstone(session: Session, item: Item, reason: str, key: Ed25519PrivateKey) -> None:
    """Sign a retraction or expiry of the item and put it in the feed."""
    payload = tombstone_payload(item.id, item.origin, item.version, reason, format_datetime(utcnow()))
    earlier = _earlier_audiences(session, item) or None
    store_envelope(session, payload, seal(payload, key), EnvelopeKind.TOMBSTONE, item.audience, None, earlier)


def _earlier_audiences(session: Session, item: Item) -> list[Any]:
    """Every audience an earlier version of the item had, other than its current one (oldest first)."""
    held = session.execute(
        select(Envelope.audience, Envelope.withdrawn_from).where(Envelope.item_id == item.id)).first()
    if held is None:
        return []
    earlier = [*(held.withdrawn_from or []), held.audience]
    unique = {canonical_json(a): a for a in earlier if a != item.audience}
    return list(unique.values())


def changes_since(session: Session, cursor: int, limit: int, reader: NodeView) -> tuple[list[Change], int, bool]:
    """A page of the feed after `cursor` that `reader` may see, the next cursor, and whether more follow.

    Rows outside the reader's audience are skipped but still advance the cursor,
    so an empty poll reads nothing past the cursor: it costs two index probes (the rows, then the head).
    """
    limit = max(1, min(limit, MAX_PAGE))
    rows = session.execute(feed_rows(cursor, limit)).all()
    served = [(r, served_kind(r, reader)) for r in rows]
    # The row's digest is that of its own envelope: a withdrawal served in place of an item has none here.
    changes = [Change(r.seq, r.item_id, r.version, kind, r.digest if kind == r.kind else None)
               for r, kind in served if kind]
    next_cursor = rows[-1].seq if rows else _next_on_empty(session, cursor)
    return changes, next_cursor, len(rows) == limit


def feed_rows(cursor: int, limit: int) -> Select:
    """The statement of a feed page's rows after `cursor`: a range on seq, the primary key, whatever the feed holds."""
    return (select(Envelope.seq, Envelope.item_id, Envelope.version, Envelope.kind, Envelope.audience, Envelope.origin,
                   Envelope.withdrawn_from, Envelope.conflict, Envelope.digest)
            .where(Envelope.seq > cursor).order_by(Envelope.seq).limit(limit))


def _next_on_empty(session: Session, cursor: int) -> int:
    """`cursor`, unless it lies past everything this feed holds: then the feed's head, below it (§9).

    A cursor past the head was issued by a feed this database no longer is (restored from an older copy),
    and a `next` below `since` makes the caller read again from the start instead of waiting past seqs
    that will be given to new changes.
    """
    return min(cursor, feed_head(session))


def feed_head(session: Session) -> int:
    """The highest seq in the feed (0 when empty)."""
    return session.scalar(select(func.coalesce(func.max(Envelope.seq), 0)))


def fill_missing_digests(session: Session, batch: int = 1000) -> int:
    """Compute the digest of rows stored before digests were kept (one batch); returns how many."""
    rows = session.execute(select(Envelope.seq, Envelope.envelope).where(Envelope.digest.is_(None)).limit(batch)).all()
    for row in rows:
        session.execute(update(Envelope).where(Envelope.seq == row.seq)
                        .values(digest=digest(json.loads(row.envelope)["payload"])))
    return len(rows)


def served_kind(row: Any, reader: NodeView) -> str | None:
    """What `reader` gets of this envelope row: the item or tombstone itself, the withdrawal, or nothing.

    A node inside the current audience gets the row as it is. A node outside it that was
    inside an earlier audience (`withdrawn_from`) may still hold an earlier version: it gets
    the origin's withdrawal, or the tombstone (which carries no content), so that it drops it.
    """
    if row.conflict:  # the origin equivocated on this version: neither payload is passed on
        return None
    inside_now = may_hold(row.audience, reader, row.origin)
    if inside_now and row.kind != EnvelopeKind.WITHDRAWAL:
        return row.kind
    if inside_now or not any(may_hold(a, reader, row.origin) for a in row.withdrawn_from or []):
        return None
    return EnvelopeKind.TOMBSTONE if row.kind == EnvelopeKind.TOMBSTONE else EnvelopeKind.WITHDRAWAL


def envelope_texts_for(session: Session, item_ids: list[str], reader: NodeView) -> list[str]:
    """The stored envelopes (as JSON text, served as stored) of these items, as `reader` may receive them.

    A reader inside the audience of a narrowed item gets the item followed by its
    withdrawal (so that it can pass the withdrawal on); one outside gets only the withdrawal.
    """
    rows = session.execute(
        select(Envelope.envelope, Envelope.kind, Envelope.audience, Envelope.origin, Envelope.withdrawn_from,
               Envelope.withdrawal, Envelope.conflict).where(Envelope.item_id.in_(item_ids[:MAX_PAGE]))
    ).all()
    texts = []
    for row in rows:
        kind = served_kind(row, reader)
        if kind == EnvelopeKind.WITHDRAWAL:
            texts.append(row.withdrawal if row.kind == EnvelopeKind.ITEM else row.envelope)
        elif kind:
            texts += [row.envelope, row.withdrawal] if row.withdrawal else [row.envelope]
    return texts


class Held(NamedTuple):
    """What this node holds for one item: its envelope's version, kind, audience, earlier audiences and digest."""

    version: int
    kind: str
    audience: Any
    withdrawn_from: list[Any] | None = None
    digest: str | None = None
    conflict: bool = False


def held_versions(session: Session, item_ids: list[str]) -> dict[str, Held]:
    """The held envelope (version, kind, audience, earlier audiences, digest) of each of these items held here."""
    rows = session.execute(
        select(Envelope.item_id, Envelope.version, Envelope.kind, Envelope.audience, Envelope.withdrawn_from,
               Envelope.digest, Envelope.conflict)
        .where(Envelope.item_id.in_(item_ids))
    ).all()
    return {r.item_id: Held(r.version, r.kind, r.audience, r.withdrawn_from, r.digest, r.conflict) for r in rows}


def prune_tombstones(session: Session, older_than: datetime) -> int:
    """Forget tombstones and withdrawals stored before `older_than`; returns how many."""
    result = session.execute(
        delete(Envelope).where(Envelope.kind.in_([EnvelopeKind.TOMBSTONE, EnvelopeKind.WITHDRAWAL]),
                               Envelope.stored_at < older_than)
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


@dataclass(frozen=True)
class ChangesFeedSink:
    """The federation's item sink (see node.items.sinks): signs this node's versions and tombstones into the feed."""

    key: Ed25519PrivateKey

    def version_published(self, session: Session, item: Item) -> None:
        """Sign the new version into the changes feed."""
        record_local_version(session, item, self.key)

    def item_withdrawn(self, session: Session, item: Item, reason: str) -> None:
        """Sign a tombstone for the retracted or expired item into the changes feed."""
        record_local_tombstone(session, item, reason, self.key)

    def first_versions_prepared(self, items: Sequence[Item]) -> Callable[[Session], None]:
        """Sign the first versions of new own items now; the write puts them in the feed with one statement.

        A first version has no earlier audience to withdraw from, so signing needs nothing from the database.
        """
        rows = []
        for item in items:
            payload = item_payload(item_to_json(item))
            rows.append(text_row(payload, *seal_as_text(payload, self.key), EnvelopeKind.ITEM, item.audience, None))
        return lambda session: replace_envelopes(session, rows)

    def items_changed(self, session: Session, item_ids: Sequence[str]) -> None:
        """Nothing to sign: replicas enter the feed through ingest, which relays their origin's envelopes."""
