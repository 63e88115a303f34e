"""Introducing keys of nodes that are not direct peers: whose endorsements count, and when they agree.

A key for a node this node does not know is accepted only on the endorsement of a trust anchor or an
introducer peer (one an admin marked so), or of at least two approved peers that vouch for the same key
and facts, and only while no endorser that counts vouches for another (docs/federation-protocol.md §14).
One peer alone can never introduce a key; a contradiction becomes a trust alert and is never applied.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from federation.alerts import record_key_conflict
from federation.client import PeerClient, PeerUnavailable
from federation.local import LocalNode
from federation.models import Peer, PeerState
from federation.peering import approved_peers
from federation.trust import (
    ENDORSEMENT_MAX_AGE,
    Descriptor,
    TrustError,
    accepted_key,
    check_descriptor,
    check_endorsement,
    check_fresh,
    remember_node,
)
from federation.wire import digest

# What a pull may make this node ask: unknown origins looked up per page and per pull (a peer that
# invents origins must not turn one pull into thousands of calls), and other peers asked about each.
MAX_ORIGINS_PER_PAGE, MAX_ORIGINS_PER_PULL = 20, 100
MAX_OTHER_PEERS = 3
# Endorsements read from one answer; an honest node holds a handful per node.
MAX_ENDORSEMENTS_READ = 16


@dataclass(frozen=True)
class Endorsers:
    """Whose endorsements count: anchors and approved peers (`keys`); anchors and introducers count `alone`."""

    keys: dict[str, str]
    alone: frozenset[str]
    pinned: dict[str, str]


def endorsers(session: Session, local: LocalNode) -> Endorsers:
    """The endorsers that count on this node right now."""
    peers = approved_peers(session)
    keys = {**{p.id: p.public_key for p in peers}, **local.trust_anchors}  # an anchor's configured key wins
    alone = frozenset(local.trust_anchors) | {p.id for p in peers if p.introducer}
    return Endorsers(keys, alone, dict(local.trust_anchors))


@dataclass
class Claim:
    """One key (with its facts) vouched for a node, and the endorsements that counted for it."""

    key: str
    facts: tuple[Any, ...]
    descriptors: dict[str, Descriptor] = field(default_factory=dict)  # by payload digest
    endorsements: dict[str, dict[str, Any]] = field(default_factory=dict)  # by endorser
    self_pinned: bool = False  # the descriptor carries the key configured for this anchor

    def enough(self, who: Endorsers) -> bool:
        """Whether these endorsements introduce the key: an anchor or introducer, or two approved peers."""
        return self.self_pinned or bool(who.alone & set(self.endorsements)) or len(self.endorsements) >= 2

    def descriptor(self) -> Descriptor:
        """The descriptor most of the endorsements name."""
        named = [e["payload"]["descriptor"] for e in self.endorsements.values()]
        return self.descriptors[max(self.descriptors, key=named.count)]


@dataclass
class Testimony:
    """What the answers of peers about one node say: the claims that counted, and the answers as evidence."""

    node_id: str
    claims: dict[tuple[Any, ...], Claim] = field(default_factory=dict)
    answers: list[tuple[str, Any]] = field(default_factory=list)

    @property
    def counted(self) -> list[Claim]:
        return [c for c in self.claims.values() if c.endorsements or c.self_pinned]

    def hear(self, peer_id: str, record: Any, who: Endorsers) -> None:
        """Add one peer's `/nodes/<id>` answer; what does not check out is ignored."""
        self.answers.append((peer_id, record))
        try:
            descriptor = check_descriptor(record.get("descriptor") if isinstance(record, dict) else None)
        except TrustError:
            return
        if descriptor.id != self.node_id:
            return
        p = descriptor.payload
        facts = (p["public_key"], *(p.get(f) for f in Peer.AUDIENCE_FACTS))
        claim = self.claims.setdefault(facts, Claim(p["public_key"], facts))
        claim.descriptors[digest(p)] = descriptor
        claim.self_pinned |= who.pinned.get(self.node_id) == p["public_key"]
        for endorsement in (record.get("endorsements") or [])[:MAX_ENDORSEMENTS_READ]:
            _count(claim, descriptor, endorsement, who)


def _count(claim: Claim, descriptor: Descriptor, endorsement: Any, who: Endorsers) -> None:
    try:
        endorser = check_endorsement(descriptor, endorsement, who.keys)
        check_fresh(endorsement["payload"].get("at"), ENDORSEMENT_MAX_AGE, f"endorsement by {endorser}")
    except TrustError:
        return  # forged, stale or by a node whose word does not count here
    if endorser != descriptor.id:
        claim.endorsements.setdefault(endorser, endorsement)


@dataclass
class KeyLearning:
    """Key learning for one pull: each unknown origin is looked up once, and at most MAX_ORIGINS_PER_PULL."""

    sessions: sessionmaker[Session]
    local: LocalNode
    client: PeerClient
    peer_id: str
    connect: Callable[..., PeerClient]
    asked: set[str] = field(default_factory=set)

    def __call__(self, origins: set[str]) -> None:
        """Learn what can be learned about the signers of one page."""
        new = sorted(origins - self.asked)[:max(0, MAX_ORIGINS_PER_PULL - len(self.asked))]
        self.asked.update(learn_keys(self.sessions, self.local, self.client, self.peer_id, set(new), self.connect))


def learn_keys(sessions: sessionmaker[Session], local: LocalNode, client: PeerClient, peer_id: str,
               origins: set[str], connect: Callable[..., PeerClient]) -> list[str]:
    """Ask the pulled peer, and a few other approved peers, about each unknown origin; accept what agrees.

    Every call is made outside a transaction; each decision is committed in its own small one.
    Returns the origins looked up.
    """
    with sessions() as session:
        unknown = sorted(o for o in origins if accepted_key(session, o) is None)[:MAX_ORIGINS_PER_PAGE]
        if not unknown:
            return []
        who = endorsers(session, local)
        others = [(p.id, p.url) for p in session.scalars(
            select(Peer).where(Peer.state == PeerState.APPROVED, Peer.id != peer_id).order_by(Peer.id))]
    askers = [(peer_id, lambda: client)] + [
        (other_id, lambda url=url, other_id=other_id: connect(url, other_id, local.id, local.key))
        for other_id, url in others[:MAX_OTHER_PEERS]]
    for origin in unknown:
        testimony = Testimony(origin)
        _ask_pulled(testimony, peer_id, client, who)
        for asked_id, make_client in askers[1:]:
            _ask(testimony, asked_id, make_client, who)
        settle(sessions, testimony, who, peer_id)
    return unknown


def _ask_pulled(testimony: Testimony, peer_id: str, client: PeerClient, who: Endorsers) -> None:
    # The pulled peer relayed this origin's envelopes. If it does not answer, the pull ends here (PeerUnavailable
    # goes up) before the page is stored, so the page is fetched again; otherwise the envelopes would wait behind
    # a cursor that has moved past them. Only its answer that it does not know the origin (404) counts as no word.
    try:
        testimony.hear(peer_id, client.node(testimony.node_id), who)
    except PeerUnavailable as exc:
        if exc.status != 404:
            raise


def _ask(testimony: Testimony, peer_id: str, make_client: Callable[[], PeerClient], who: Endorsers) -> None:
    try:
        testimony.hear(peer_id, make_client().node(testimony.node_id), who)
    except PeerUnavailable:
        pass  # it does not know the node, or does not answer: it neither vouches nor contradicts


def settle(sessions: sessionmaker[Session], testimony: Testimony, who: Endorsers, reported_by: str) -> bool:
    """Accept the key the testimony agrees on, or record the contradiction; True when a key was accepted."""
    counted = testimony.counted
    with sessions.begin() as session:
        if accepted_key(session, testimony.node_id) is not None:
            return False  # learned meanwhile (another pull, or peering); a contradiction shows at its next use
        pinned = who.pinned.get(testimony.node_id)
        if len(counted) > 1 or any(pinned not in (None, c.key) for c in counted):  # an anchor's key is configured
            record_key_conflict(session, testimony.node_id, None, _claims(counted), testimony.answers, reported_by)
            return False
        if not counted or not counted[0].enough(who):
            return False  # its envelopes wait until another peer, an introducer or an anchor agrees
        claim = counted[0]
        vouched = sorted(claim.endorsements) or [testimony.node_id]
        remember_node(session, claim.descriptor(), ",".join(vouched)[:200], list(claim.endorsements.values()))
        return True


def note_known(session: Session, node_id: str, record: Any, who: Endorsers, reported_by: str) -> None:
    """Record an alert when a peer's answer vouches, with endorsements that count, for another key of a known node."""
    accepted = accepted_key(session, node_id)
    testimony = Testimony(node_id)
    testimony.hear(reported_by, record, who)
    other = [c for c in testimony.counted if c.key != accepted]
    if accepted is not None and other:
        record_key_conflict(session, node_id, accepted, _claims(other), testimony.answers, reported_by)


def _claims(claims: list[Claim]) -> list[dict[str, Any]]:
    """Who vouched for which key, and when they signed it (a pinned anchor vouches for itself, unsigned)."""
    said = [{"by": by, "key": c.key, "at": e["payload"].get("at")} for c in claims for by, e in c.endorsements.items()]
    return said + [{"by": c.descriptor().id, "key": c.key, "at": None} for c in claims if c.self_pinned]
