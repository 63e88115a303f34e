"""A picture of the federation as this node knows it: itself, its peers, and the nodes learned of through them.

`lay_out` is pure: given the nodes and links it places this node in the centre, its peers on an inner
ring and the other known nodes on an outer ring, each beside the peer it was learned through, and gives
every link its sync health. `network_of` reads what it needs from the database.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from federation.models import DescribedNode, Envelope, KnownNode, Peer, PeerState
from node.core.geography import municipalities
from node.core.translation import N_, ngettext
from node.core.translation import gettext as _

# Marked here, translated where shown (the page's `_(link.health_label)`).
HEALTH_LABELS = {
    "ok": N_("Synkroniseret"),
    "lagging": N_("Forsinket"),
    "failing": N_("Fejler"),
    "paused": N_("På pause"),
    "pending": N_("Afventer godkendelse"),
    "blocked": N_("Blokeret"),
    "known": N_("Kendt gennem en peer"),
}
# The peer states whose link the public summary shows: peers this node pulls from.
PUBLIC_STATES = (PeerState.APPROVED, PeerState.BACKING_OFF)
INNER_RADIUS, OUTER_RADIUS = 170.0, 330.0
LABEL_ROOM, RADIAL_LABEL_ROOM = 230.0, 270.0  # beyond the outermost ring, for the labels
LEVEL_LABEL_HEIGHT = 60.0
RADIAL_LABELS_FROM = 13  # outer rings with this many nodes or more get labels along their radius


@dataclass(frozen=True)
class NodeFacts:
    """A node as the picture names it: from its descriptor."""

    id: str
    name: str
    kind: str
    district: str | None = None



@dataclass(frozen=True)
class PeerLink:
    """How pulling from one peer goes, as far as the picture needs it."""

    peer: NodeFacts
    state: str
    last_success_at: datetime | None = None
    last_pull_at: datetime | None = None


@dataclass(frozen=True)
class PlacedNode:
    """A node with its place in the picture (ring 0 is this node, 1 its peers, 2 the others) and its label's."""

    facts: NodeFacts
    ring: int
    x: float
    y: float
    label_x: float
    label_y: float
    anchor: str  # the SVG text-anchor of its label
    rotate: float = 0.0  # degrees, for labels along the radius of a crowded outer ring
    via: tuple[str, ...] = ()  # names of the peers it was learned through (outer ring)


@dataclass(frozen=True)
class PlacedLink:
    """A line between two placed nodes, with the health of the sync it stands for."""

    source: str
    target: str
    x1: float
    y1: float
    x2: float
    y2: float
    health: str
    lag: str = ""  # in words, e.g. "synkroniseret for 2 minutter siden"

    @property
    def health_label(self) -> str:
        return HEALTH_LABELS[self.health]


@dataclass(frozen=True)
class NetworkMap:
    """Everything the SVG and the table under it show."""

    nodes: list[PlacedNode]
    links: list[PlacedLink]
    half_width: float  # the viewBox is centred on this node
    half_height: float
    healths: list[str] = field(default_factory=list)  # the healths that occur, in legend order

    @property
    def view_box(self) -> str:
        return f"{-self.half_width:g} {-self.half_height:g} {2 * self.half_width:g} {2 * self.half_height:g}"

    def node(self, node_id: str) -> PlacedNode:
        """The placed node with this id."""
        return next(n for n in self.nodes if n.facts.id == node_id)


def ago(moment: datetime, now: datetime) -> str:
    """How long ago, in the interface's words: "for 2 minutter siden", "for 1 time siden", "for under et minut siden".

    Shown on pages only (never stored), so it is translated here: Danish outside a web request.
    """
    seconds = max(0, (now - moment).total_seconds())
    if seconds >= 86400:
        return ngettext("for %(num)d dag siden", "for %(num)d dage siden", int(seconds // 86400))
    if seconds >= 3600:
        return ngettext("for %(num)d time siden", "for %(num)d timer siden", int(seconds // 3600))
    if seconds >= 60:
        return ngettext("for %(num)d minut siden", "for %(num)d minutter siden", int(seconds // 60))
    return _("for under et minut siden")


def lag_words(link: PeerLink, now: datetime) -> str:
    """The peer's last sync in words, with the last failed attempt when the peer is failing."""
    synced = (_("synkroniseret %(ago)s", ago=ago(link.last_success_at, now)) if link.last_success_at
              else _("aldrig synkroniseret"))
    if link.state == PeerState.BACKING_OFF and link.last_pull_at:
        return _("seneste forsøg fejlede %(ago)s; %(synced)s", ago=ago(link.last_pull_at, now), synced=synced)
    return synced


def link_health(link: PeerLink, now: datetime, lag_allowed: timedelta) -> str:
    """The link's health: ok, lagging (no sync within `lag_allowed`), failing, paused, pending or blocked."""
    by_state = {PeerState.BLOCKED: "blocked", PeerState.SUSPENDED: "paused", PeerState.PENDING: "pending",
                PeerState.BACKING_OFF: "failing"}
    if link.state in by_state:
        return by_state[link.state]
    if link.last_success_at is None or now - link.last_success_at > lag_allowed:
        return "lagging"
    return "ok"


def lay_out(me: NodeFacts, peers: list[PeerLink], others: list[NodeFacts], learned_via: dict[str, set[str]],
            now: datetime, lag_allowed: timedelta) -> NetworkMap:
    """Place this node, its peers and the other known nodes on rings, and every link with its health.

    `learned_via` maps an outer node's id to the ids of the peers it was learned through (endorsed or relayed
    by them). The same input always gives the same picture.
    """
    peers = sorted(peers, key=lambda p: (p.peer.name, p.peer.id))
    others = sorted({o.id: o for o in others if o.id != me.id and o.id not in {p.peer.id for p in peers}}.values(),
                    key=lambda o: o.id)
    inner_radius = INNER_RADIUS if others else INNER_RADIUS + 30
    peer_angles = {p.peer.id: -90.0 + 360.0 * i / len(peers) for i, p in enumerate(peers)}
    centre = PlacedNode(me, 0, 0.0, 0.0, 0.0, 34.0, "middle")
    placed = {me.id: centre} | {p.peer.id: _on_ring(p.peer, 1, inner_radius, peer_angles[p.peer.id], False)
                                for p in peers}
    names = {p.peer.id: p.peer.name for p in peers}
    outer_angles = _outer_angles(others, learned_via, peer_angles)
    radial = len(others) >= RADIAL_LABELS_FROM
    for other in others:
        via = tuple(sorted(names[v] for v in learned_via.get(other.id, ()) if v in names))
        placed[other.id] = _on_ring(other, 2, OUTER_RADIUS, outer_angles[other.id], radial, via)
    links = [_link(placed[me.id], placed[p.peer.id], link_health(p, now, lag_allowed), lag_words(p, now))
             for p in peers]
    links += [_link(placed[v], placed[o.id], "known") for o in others
              for v in sorted(learned_via.get(o.id, ())) if v in names]
    reach = OUTER_RADIUS if others else inner_radius if peers else 60.0
    # Level labels run sideways and take two lines above or below a node; labels along the radius go every way.
    above_below = RADIAL_LABEL_ROOM if radial else LEVEL_LABEL_HEIGHT
    healths = [h for h in HEALTH_LABELS if any(link.health == h for link in links)]
    return NetworkMap(list(placed.values()), links, reach + (RADIAL_LABEL_ROOM if radial else LABEL_ROOM),
                      reach + above_below, healths)


def _outer_angles(others: list[NodeFacts], learned_via: dict[str, set[str]],
                  peer_angles: dict[str, float]) -> dict[str, float]:
    # Evenly spaced in the order of the peer each was learned through, then the whole ring turned so that,
    # on average, each node sits as close to that peer as the spacing allows.
    def parent_angle(node: NodeFacts) -> float | None:
        angles = [peer_angles[v] for v in sorted(learned_via.get(node.id, ())) if v in peer_angles]
        return angles[0] if angles else None

    order = sorted(others, key=lambda o: (parent_angle(o) is None, parent_angle(o) or 0.0, o.name, o.id))
    spaced = {o.id: -90.0 + 360.0 * i / len(order) for i, o in enumerate(order)}
    pulls = [math.radians(a - spaced[o.id]) for o in order if (a := parent_angle(o)) is not None]
    turn = math.degrees(math.atan2(sum(map(math.sin, pulls)), sum(map(math.cos, pulls)))) if pulls else 0.0
    return {node_id: angle + turn for node_id, angle in spaced.items()}


def _on_ring(facts: NodeFacts, ring: int, radius: float, angle: float, radial: bool,
             via: tuple[str, ...] = ()) -> PlacedNode:
    rad = math.radians(angle)
    x, y = radius * math.cos(rad), radius * math.sin(rad)
    lx, ly = (radius + 16) * math.cos(rad), (radius + 16) * math.sin(rad)
    if radial:  # text along the radius, turned the right way up on the left half
        left = math.cos(rad) < 0
        return PlacedNode(facts, ring, _r(x), _r(y), _r(lx), _r(ly), "end" if left else "start",
                          _r((angle + 180.0) % 360.0 if left else angle % 360.0), via)
    anchor = "start" if math.cos(rad) > 0.35 else "end" if math.cos(rad) < -0.35 else "middle"
    if anchor == "middle":  # straight above or below the node: the label's two lines go outwards
        ly = y + (26.0 if math.sin(rad) > 0 else -34.0)
    return PlacedNode(facts, ring, _r(x), _r(y), _r(lx), _r(ly), anchor, 0.0, via)


def _link(a: PlacedNode, b: PlacedNode, health: str, lag: str = "") -> PlacedLink:
    return PlacedLink(a.facts.id, b.facts.id, a.x, a.y, b.x, b.y, health, lag)


def _r(value: float) -> float:
    return round(value, 1) + 0.0  # + 0.0 turns -0.0 into 0.0, so the SVG never says "-0"


def facts_of(row: DescribedNode) -> NodeFacts:
    """A peer's or known node's facts, with the police district of a municipality from its code."""
    district = row.district
    if district is None and row.municipality in municipalities():
        district = municipalities()[row.municipality].police_district
    return NodeFacts(row.id, row.name or row.id, row.kind, district)


def network_of(session: Session, me: NodeFacts, now: datetime, lag_allowed: timedelta,
               peer_states: Iterable[str] | None = None) -> NetworkMap:
    """The picture of the federation as this node's database knows it; `peer_states` limits which peers show."""
    every_peer = list(session.scalars(select(Peer)))
    rows = [p for p in every_peer if peer_states is None or p.state in set(peer_states)]
    peers = [PeerLink(facts_of(p), p.state, p.last_success_at, p.last_pull_at) for p in rows]
    # A peer left out (e.g. a blocked one on the public page) is left out entirely, not moved to the outer ring.
    others = [facts_of(k) for k in session.scalars(select(KnownNode).where(KnownNode.id.not_in(
        [p.id for p in every_peer])))]
    return lay_out(me, peers, others, learned_via(session, {p.id for p in rows}), now, lag_allowed)


def learned_via(session: Session, peer_ids: set[str]) -> dict[str, set[str]]:
    """For each known node, the peers that vouched for its key or relayed its items to this node."""
    found: dict[str, set[str]] = {}
    for node_id, vouched_by in session.execute(select(KnownNode.id, KnownNode.vouched_by)):
        found.setdefault(node_id, set()).update(v for v in vouched_by.split(",") if v in peer_ids)
    relayed = select(Envelope.origin, Envelope.received_from).where(Envelope.received_from.is_not(None)).distinct()
    for origin, peer_id in session.execute(relayed):
        if peer_id in peer_ids and peer_id != origin:
            found.setdefault(origin, set()).add(peer_id)
    return found
