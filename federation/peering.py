"""Peering: adding a node by URL, approving it, and the other side's request to be added."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import NamedTuple

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from federation.blocking import forget_relays
from federation.client import PeerClient, PeerUnavailable, fetch_descriptor
from federation.local import LocalNode
from federation.models import PEER_TRANSITIONS, Peer, PeerState
from federation.trust import (
    DESCRIPTOR_MAX_AGE,
    Descriptor,
    TrustError,
    check_descriptor,
    check_pinned,
    own_descriptor,
    remember_node,
)
from node.core.backoff import retry_delay
from node.core.models import utcnow
from node.core.translation import N_
from node.items.sinks import ItemSinks

BACKOFF_BASE_SECONDS = 5
BACKOFF_MAX_SECONDS = 3600
# Pending records (requests, or peers we added) are bounded: an admin answers within two weeks, and a
# flood of self-signed requests cannot fill the admin's list (docs/federation-protocol.md §17).
PENDING_KEPT = timedelta(days=14)
PENDING_MAX = 100


class PeeringError(ValueError):
    """A peering step that cannot be done, with a message for the admin."""


class FactsChanged(PeeringError):
    """An approved peer's descriptor names another kind, municipality or district than it was approved as."""

    def __init__(self, message: str, peer_id: str, approved: dict[str, str | None]):
        super().__init__(message)
        self.peer_id, self.approved = peer_id, approved


# Peers this node pulls from and serves to.
PULLED_STATES = (PeerState.APPROVED, PeerState.BACKING_OFF)
# What an admin may do to a peer, and the state it then has (remove deletes the record instead).
ADMIN_MOVES = {"suspend": PeerState.SUSPENDED, "resume": PeerState.APPROVED, "block": PeerState.BLOCKED}
# In the messages of PeeringError, which stay Danish; the admin page translates them (node.web.reasons).
STATE_LABELS = {PeerState.PENDING: N_("afventer godkendelse"), PeerState.APPROVED: N_("godkendt"),
                PeerState.BACKING_OFF: N_("venter efter fejl"), PeerState.SUSPENDED: N_("på pause"),
                PeerState.BLOCKED: N_("blokeret")}


def record_peer(session: Session, descriptor: Descriptor, fetched_from_its_url: bool = False) -> Peer:
    """Record (or refresh) a node as a peer from its checked descriptor; a new peer starts pending.

    A pending record with another key gives way to a descriptor the admin fetched from the node's own
    URL (`fetched_from_its_url`): an unauthenticated request must never keep the real node out.
    """
    p = descriptor.payload
    peer = session.get(Peer, p["id"])
    if peer is not None and peer.state == PeerState.BLOCKED:
        raise PeeringError(f"{p['id']} er blokeret på denne node")
    if peer is not None and peer.public_key != p["public_key"]:
        if not (fetched_from_its_url and peer.state == PeerState.PENDING):
            raise PeeringError(f"{p['id']} er kendt med en anden nøgle")
        peer.last_error = N_("en afventende anmodning med en anden nøgle blev erstattet af nodens egen beskrivelse")
    if peer is not None and peer.state != PeerState.PENDING and peer.facts_differ(p):
        # Kind and place decide which restricted items a peer receives: they change only with a new approval.
        raise FactsChanged(f"{p['id']} er godkendt som {peer.kind}; type og sted kan kun ændres ved ny godkendelse",
                           peer.id, {f: getattr(peer, f) for f in peer.AUDIENCE_FACTS})
    if peer is None:
        pending = session.scalar(select(func.count()).select_from(Peer).where(Peer.state == PeerState.PENDING))
        if pending >= PENDING_MAX:
            raise PeeringError(f"der er allerede {PENDING_MAX} afventende peers; afvis nogle, før flere kan komme til")
        peer = Peer(id=p["id"], state=PeerState.PENDING, cursor=0, failures=0, received_total=0)
        session.add(peer)
    peer.url = p["url"].rstrip("/")
    peer.take_descriptor(descriptor.envelope)
    session.flush()
    return peer


class AddedPeer(NamedTuple):
    """A peer as `add_peer` left it: recorded, and told about us unless `warning` says why not."""

    id: str
    name: str
    state: str
    warning: str | None


def add_peer(sessions: sessionmaker[Session], local: LocalNode, url: str) -> AddedPeer:
    """Fetch and check the node at URL, record it as pending, and tell it about us.

    Both calls to the other node happen outside any transaction: a slow node never holds the database.
    """
    try:
        descriptor = check_descriptor(fetch_descriptor(url, local.limits), DESCRIPTOR_MAX_AGE)
    except (PeerUnavailable, TrustError) as exc:
        raise PeeringError(f"{url}: {exc}") from None
    if descriptor.id == local.id:
        raise PeeringError(N_("en node kan ikke peere med sig selv"))
    with sessions.begin() as session:
        peer = record_peer(session, descriptor, fetched_from_its_url=True)
        added = AddedPeer(peer.id, peer.name, peer.state, peer.last_error)
        peer_url = peer.url
    try:
        client = PeerClient(peer_url, added.id, local.id, local.key, local.limits)
        client.request_peering(own_descriptor(local.settings, local.key))
    except PeerUnavailable as exc:
        added = added._replace(warning=f"kunne ikke give besked: {exc}")
        with sessions.begin() as session:
            session.get(Peer, added.id).last_error = added.warning
    return added


def approve_peer(session: Session, peer_id: str, pinned: dict[str, str] | None = None,
                 introducer: bool | None = None) -> Peer:
    """Approve a peer: from now on it may pull from us and we pull from it.

    `pinned` are the trust anchors' configured keys: an anchor is approved only with exactly that key.
    `introducer`, when given, sets whether the peer's endorsement alone introduces other nodes' keys.
    """
    peer = session.get(Peer, peer_id)
    if peer is None:
        raise PeeringError(f"ingen peer med id '{peer_id}'")
    if peer.state == PeerState.PENDING:  # approving it again leaves its state as it is
        PEER_TRANSITIONS.move(peer, PeerState.APPROVED)
        peer.next_pull_at = utcnow()
    try:
        descriptor = Descriptor(json.loads(peer.descriptor))
        check_pinned(descriptor, pinned or {})
        remember_node(session, descriptor, vouched_by="peering")
    except TrustError as exc:
        raise PeeringError(str(exc)) from None
    if introducer is not None:
        peer.introducer = introducer
    return peer


def set_introducer(session: Session, peer_id: str, introducer: bool) -> Peer:
    """Let a peer's endorsement alone introduce keys (as a trust anchor's does), or stop doing so."""
    peer = session.get(Peer, peer_id)
    if peer is None:
        raise PeeringError(f"ingen peer med id '{peer_id}'")
    peer.introducer = introducer
    return peer


def wake_peer(local: LocalNode, peer_url: str, peer_id: str) -> None:
    """Ask a peer to pull now (call after committing an approval: its earlier pulls may have been refused)."""
    try:
        PeerClient(peer_url, peer_id, local.id, local.key, local.limits).notify()
    except PeerUnavailable:
        pass  # a wake-up only; the peer's own schedule retries anyway


def approved_peers(session: Session) -> list[Peer]:
    """Peers we pull from and serve to."""
    return list(session.scalars(select(Peer).where(Peer.state.in_(PULLED_STATES))))


def change_peer(session: Session, peer_id: str, action: str, sinks: ItemSinks | None = None) -> Peer:
    """Suspend, resume or block a peer (ADMIN_MOVES), as an admin asks; PeeringError says why not.

    Blocking also drops what the peer relayed that no other peer serves (federation/blocking.py);
    `sinks` are told about the replicas that go.
    """
    peer = session.get(Peer, peer_id)
    if peer is None:
        raise PeeringError(f"ingen peer med id '{peer_id}'")
    wanted = ADMIN_MOVES[action]
    if not PEER_TRANSITIONS.allows(peer.state, wanted) or (action == "resume" and peer.state != PeerState.SUSPENDED):
        raise PeeringError(f"{peer_id} er {STATE_LABELS[peer.state]} og kan ikke blive {STATE_LABELS[wanted]}")
    PEER_TRANSITIONS.move(peer, wanted)
    if wanted == PeerState.APPROVED:
        peer.next_pull_at = utcnow()
    if wanted == PeerState.BLOCKED:
        forget_relays(session, peer_id, sinks or ItemSinks(()))
    return peer


def expire_pending_peers(session: Session, now: datetime) -> int:
    """Forget pending records older than PENDING_KEPT; returns how many."""
    old = delete(Peer).where(Peer.state == PeerState.PENDING, Peer.created_at < now - PENDING_KEPT)
    return session.execute(old).rowcount


def remove_peer(session: Session, peer_id: str) -> None:
    """Forget a peer (a refused request, or a blocked node let back to ask again); its items stay."""
    peer = session.get(Peer, peer_id)
    if peer is None:
        raise PeeringError(f"ingen peer med id '{peer_id}'")
    session.delete(peer)


def pull_succeeded(peer: Peer | None, now: datetime, interval_seconds: int) -> None:
    """Back to the normal polling rhythm (unless an admin suspended or blocked the peer meanwhile)."""
    if peer is None or peer.state not in PULLED_STATES:
        return
    PEER_TRANSITIONS.move(peer, PeerState.APPROVED)
    peer.failures, peer.last_error = 0, None
    peer.last_pull_at = peer.last_success_at = now
    peer.next_pull_at = now + timedelta(seconds=interval_seconds)


def pull_failed(peer: Peer | None, now: datetime, error: str) -> None:
    """Exponential backoff with jitter, so a dead peer costs little and peers do not retry in step."""
    if peer is None or peer.state not in PULLED_STATES:
        return
    PEER_TRANSITIONS.move(peer, PeerState.BACKING_OFF)
    peer.failures += 1
    peer.last_pull_at, peer.last_error = now, error[:500]
    peer.next_pull_at = now + retry_delay(peer.failures, BACKOFF_BASE_SECONDS, BACKOFF_MAX_SECONDS)
