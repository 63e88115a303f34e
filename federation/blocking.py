"""What blocking a peer does to what it brought: the items it relayed go, unless another peer serves them too.

A blocked peer's calls are refused and it is never pulled (federation/peering.py). What it relayed
earlier (envelopes of other origins it was the first to offer) may be forged history or items it had
no business passing on, so they are dropped, and the other peers' cursors start over: anything another
peer also serves comes back from that peer, as it would have arrived had the blocked peer never been
there. Envelopes it brought that wait for a key are dropped too. Its own signed items stay: they are
authentic, and the admin removes them by removing what they are about (docs/federation-protocol.md §17).
"""

from __future__ import annotations

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from federation.models import Envelope, EnvelopeKind, Peer, WaitingEnvelope
from node.core.models import utcnow
from node.items.replicas import replace_replicas
from node.items.sinks import ItemSinks

CHUNK = 500  # ids per statement


def forget_relays(session: Session, peer_id: str, sinks: ItemSinks) -> int:
    """Drop what `peer_id` relayed and what waits because of it; other peers offer again what they hold.

    Returns how many held envelopes were dropped.
    """
    relayed = session.execute(select(Envelope.item_id, Envelope.kind).where(
        Envelope.received_from == peer_id, Envelope.origin != peer_id)).all()
    ids = [r.item_id for r in relayed]
    for start in range(0, len(ids), CHUNK):
        session.execute(delete(Envelope).where(Envelope.item_id.in_(ids[start:start + CHUNK])))
    replace_replicas(session, {r.item_id: None for r in relayed if r.kind == EnvelopeKind.ITEM}, sinks)
    session.execute(delete(WaitingEnvelope).where(WaitingEnvelope.received_from == peer_id))
    if ids:  # ingest skips what is still held, so only the dropped ids are fetched again
        session.execute(update(Peer).where(Peer.id != peer_id).values(cursor=0, next_pull_at=utcnow()))
    return len(ids)
