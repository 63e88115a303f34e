"""What the admin page shows about the federation: peers and their health, keys, waiting, rejected, conflicting."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from federation.alerts import recent_alerts
from federation.audience import NodeView
from federation.equivocation import ConflictView, conflicts_for_admin
from federation.models import Envelope, KnownNode, Peer, Rejection, RetiredKey, TrustAlert, WaitingEnvelope
from federation.revocation import DEFAULT_KEY_GRACE
from federation.tokens import CLOCK_SKEW_SECONDS
from node.core.translation import gettext as _

# Offsets below this are the Date header's rounding and the network's delay, not a clock to fix.
CLOCK_NOTED_SECONDS = 5


@dataclass(frozen=True)
class EarlierKey:
    """A key a known node rotated away from or revoked, as the admin page shows it."""

    public_key: str
    retired_at: datetime | None
    accepted_until: datetime | None  # the end of the grace window
    revoked_since: datetime | None


@dataclass(frozen=True)
class FederationOverview:
    """A snapshot for the admin page."""

    peers: list[Peer]
    known_nodes: list[KnownNode]
    waiting: list[WaitingEnvelope]
    rejections: list[Rejection]
    feed_head: int
    clock_notes: dict[str, str]  # peer id -> how far its clock is off, where that is worth saying
    alerts: list[TrustAlert]
    names: dict[str, str]  # node id -> name, for every node this node has a descriptor of
    conflicts: list[ConflictView]
    earlier_keys: dict[str, list[EarlierKey]] = field(default_factory=dict)  # node id -> its earlier keys

    def name(self, node_id: str) -> str:
        """A node's name where this node knows it, else its id."""
        return self.names.get(node_id, node_id)


def federation_overview(session: Session, me: NodeView, limit: int = 20,
                        grace: timedelta = DEFAULT_KEY_GRACE) -> FederationOverview:
    """Peers, accepted keys (with earlier ones, retired or revoked), trust alerts, the latest waiting and
    rejected envelopes, and conflicting versions."""
    peers = list(session.scalars(select(Peer).order_by(Peer.id)))
    known = list(session.scalars(select(KnownNode).order_by(KnownNode.id)))
    return FederationOverview(
        peers=peers,
        known_nodes=known,
        waiting=list(session.scalars(select(WaitingEnvelope).order_by(WaitingEnvelope.id.desc()).limit(limit))),
        rejections=list(session.scalars(select(Rejection).order_by(Rejection.id.desc()).limit(limit))),
        feed_head=session.scalar(select(func.coalesce(func.max(Envelope.seq), 0))),
        clock_notes={p.id: note for p in peers if (note := clock_note(p.clock_offset_seconds))},
        alerts=recent_alerts(session, limit),
        names={n.id: n.name for n in [*known, *peers]},
        earlier_keys=earlier_keys(session, grace),
        conflicts=conflicts_for_admin(session, me, limit),
    )


def earlier_keys(session: Session, grace: timedelta) -> dict[str, list[EarlierKey]]:
    """Each known node's retired and revoked keys, the most recently retired first."""
    found: dict[str, list[EarlierKey]] = {}
    for row in session.scalars(select(RetiredKey).order_by(RetiredKey.node_id, RetiredKey.retired_at.desc())):
        until = row.retired_at + grace if row.retired_at else None
        found.setdefault(row.node_id, []).append(EarlierKey(row.public_key, row.retired_at, until, row.revoked_since))
    return found


def clock_note(offset: int | None) -> str | None:
    """How far a peer's clock is off, when it is off by more than rounding; past the bound, a warning.

    Made for the page being shown (never stored), so in its language: Danish outside a web request.
    """
    if offset is None or abs(offset) < CLOCK_NOTED_SECONDS:
        return None
    minutes, seconds = divmod(abs(offset), 60)
    amount = _("%(minutes)d min %(seconds)d s", minutes=minutes, seconds=seconds) if minutes else \
        _("%(seconds)d s", seconds=seconds)
    if abs(offset) > CLOCK_SKEW_SECONDS:
        limit = CLOCK_SKEW_SECONDS // 60
        return (_("Dens ur går %(amount)s foran, mere end de %(limit)d minutter der tåles: dens kald afvises",
                  amount=amount, limit=limit) if offset > 0 else
                _("Dens ur går %(amount)s bagud, mere end de %(limit)d minutter der tåles: dens kald afvises",
                  amount=amount, limit=limit))
    return _("Dens ur går %(amount)s foran", amount=amount) if offset > 0 else \
        _("Dens ur går %(amount)s bagud", amount=amount)
