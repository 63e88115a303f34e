"""What the admin page shows about the federation: peers and their health, keys, waiting, rejected, conflicting."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from federation.equivocation import ConflictView, conflicts_for_admin
from federation.models import Envelope, KnownNode, Peer, Rejection, WaitingEnvelope


@dataclass(frozen=True)
class FederationOverview:
    """A snapshot for the admin page."""

    peers: list[Peer]
    known_nodes: list[KnownNode]
    waiting: list[WaitingEnvelope]
    rejections: list[Rejection]
    feed_head: int
    conflicts: list[ConflictView]


def federation_overview(session: Session, limit: int = 20) -> FederationOverview:
    """Peers, accepted keys, the latest waiting and rejected envelopes, and conflicting versions."""
    return FederationOverview(
        peers=list(session.scalars(select(Peer).order_by(Peer.id))),
        known_nodes=list(session.scalars(select(KnownNode).order_by(KnownNode.id))),
        waiting=list(session.scalars(select(WaitingEnvelope).order_by(WaitingEnvelope.id.desc()).limit(limit))),
        rejections=list(session.scalars(select(Rejection).order_by(Rejection.id.desc()).limit(limit))),
        feed_head=session.scalar(select(func.coalesce(func.max(Envelope.seq), 0))),
        conflicts=conflicts_for_admin(session, limit),
    )
