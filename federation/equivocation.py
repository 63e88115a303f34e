"""Equivocation: an origin that signed two different payloads for the same item id and version.

Both signed envelopes are kept as evidence and the item is withheld — not shown,
not searchable, not relayed — because this node cannot tell which payload the
origin meant for whom, and one of them may carry an audience or content that was
never meant to spread. The origin ends the conflict by publishing a higher
version or a tombstone, which replaces the row as usual (docs/federation-protocol.md §11).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from federation.audience import NodeView, may_hold
from federation.changes import Held
from federation.models import Envelope, Equivocation, KnownNode, Peer
from federation.wire import digest
from node.core.models import utcnow

# Evidence of resolved conflicts is kept this long (like rejections, §19); open conflicts are kept until resolved.
RESOLVED_KEPT = timedelta(days=90)
# Evidence rows per item version: an origin that signs ever more payloads for one version adds nothing new.
PER_VERSION_MAX = 5


@dataclass(frozen=True)
class Sighting:
    """A validly signed item payload of a version this node already holds, as it arrived."""

    item_id: str
    origin: str
    version: int
    digest: str
    text: str  # the envelope as stored (compact JSON)
    received_from: str


def held_digest(session: Session, item_id: str, held: Held, pending: dict[str, Any] | None) -> str:
    """The digest of the held payload; computed from its text for rows stored before digests were kept."""
    if pending is not None:
        return pending["digest"]
    if held.digest:
        return held.digest
    text = session.scalar(select(Envelope.envelope).where(Envelope.item_id == item_id))
    return digest(json.loads(text)["payload"])


def record(session: Session, sighting: Sighting, first_digest: str, pending: dict[str, Any] | None) -> bool:
    """Keep both envelopes as evidence and withhold the item; False if this pair (or enough) is known already.

    `pending` is the held row when it was accepted earlier in the same page and is not written yet.
    """
    seen = session.scalars(select(Equivocation.second_digest).where(
        Equivocation.item_id == sighting.item_id, Equivocation.version == sighting.version)).all()
    if sighting.digest in seen or len(seen) >= PER_VERSION_MAX:
        return False
    first = pending or _held_row(session, sighting.item_id)
    session.add(Equivocation(
        item_id=sighting.item_id, origin=sighting.origin, version=sighting.version,
        first_digest=first_digest, first_envelope=first["envelope"], first_received_from=first["received_from"],
        first_received_at=first.get("stored_at") or utcnow(), second_digest=sighting.digest,
        second_envelope=sighting.text, second_received_from=sighting.received_from))
    if pending is not None:
        pending["conflict"] = True
    else:
        session.execute(update(Envelope).where(Envelope.item_id == sighting.item_id).values(conflict=True))
    return True


def _held_row(session: Session, item_id: str) -> dict[str, Any]:
    row = session.execute(select(Envelope.envelope, Envelope.received_from, Envelope.stored_at)
                          .where(Envelope.item_id == item_id)).one()
    return dict(row._mapping)


def resolve(session: Session, item_ids: list[str]) -> None:
    """Mark the open conflicts of these items resolved: a higher version or a tombstone has replaced the row."""
    if item_ids:
        session.execute(update(Equivocation).where(Equivocation.item_id.in_(item_ids),
                                                   Equivocation.resolved_at.is_(None)).values(resolved_at=utcnow()))


def prune_equivocations(session: Session, now: datetime) -> int:
    """Forget the evidence of conflicts resolved longer than RESOLVED_KEPT ago; returns how many."""
    result = session.execute(delete(Equivocation).where(Equivocation.resolved_at < now - RESOLVED_KEPT))
    return result.rowcount or 0


@dataclass(frozen=True)
class ConflictView:
    """One conflict as the admin page shows it: titles and names, not ids."""

    item_id: str
    titles: tuple[str, str]
    origin_name: str
    version: int
    first_from: str
    second_from: str
    detected_at: datetime
    resolved_at: datetime | None


def conflicts_for_admin(session: Session, me: NodeView, limit: int = 20) -> list[ConflictView]:
    """The latest conflicts, open ones first, with the items' titles (where `me` may see them) and the nodes' names."""
    rows = session.scalars(select(Equivocation).order_by(Equivocation.resolved_at.is_not(None),
                                                         Equivocation.id.desc()).limit(limit)).all()
    ids = {r.origin for r in rows} | {r.first_received_from for r in rows} | {r.second_received_from for r in rows}
    names = {**dict(session.execute(select(KnownNode.id, KnownNode.name).where(KnownNode.id.in_(ids))).all()),
             **dict(session.execute(select(Peer.id, Peer.name).where(Peer.id.in_(ids))).all())}
    return [ConflictView(r.item_id, (_title(r.first_envelope, me), _title(r.second_envelope, me)),
                         names.get(r.origin, r.origin), r.version,
                         names.get(r.first_received_from, r.first_received_from or "denne node"),
                         names.get(r.second_received_from, r.second_received_from), r.detected_at, r.resolved_at)
            for r in rows]


def _title(text: str, me: NodeView) -> str:
    # The second payload was never checked against this node's audience (the conflict is judged first):
    # its title is shown only where that payload was meant for this node.
    payload = json.loads(text)["payload"]
    content = payload.get("content") if isinstance(payload.get("content"), dict) else {}
    if not may_hold(content.get("audience"), me, payload.get("origin")):
        return "(ikke til denne node)"
    return str(content["title"]) if content.get("title") else "(uden titel)"
