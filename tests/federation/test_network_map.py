"""The network picture's layout: deterministic, every node placed on its ring, every link with its health."""

from __future__ import annotations

import math
from datetime import timedelta

import pytest

from federation.models import PeerState
from federation.network_map import NodeFacts, PeerLink, ago, lag_words, lay_out, link_health
from node.core.models import utcnow

NOW = utcnow()
LAG = timedelta(minutes=5)
ME = NodeFacts("aarhus-kommune", "Aarhus Kommune", "municipality", "Østjyllands Politi")
POLITI = NodeFacts("oestjyllands-politi", "Østjyllands Politi", "police", "Østjyllands Politi")
RANDERS = NodeFacts("randers-kommune", "Randers Kommune", "municipality", "Østjyllands Politi")
DKR = NodeFacts("dkr", "Det Kriminalpræventive Råd", "national")


def _peers() -> list[PeerLink]:
    return [PeerLink(POLITI, PeerState.APPROVED, NOW - timedelta(minutes=1), NOW - timedelta(minutes=1)),
            PeerLink(RANDERS, PeerState.BACKING_OFF, NOW - timedelta(hours=3), NOW - timedelta(minutes=2))]


def _others(count: int) -> list[NodeFacts]:
    return [DKR] + [NodeFacts(f"kommune-{n:02}", f"Kommune {n:02}", "municipality") for n in range(count - 1)]


def test_the_same_network_gives_the_same_picture_whatever_order_it_is_read_in():
    others = _others(20)
    first = lay_out(ME, _peers(), others, {"dkr": {POLITI.id}}, NOW, LAG)
    again = lay_out(ME, list(reversed(_peers())), list(reversed(others)), {"dkr": {POLITI.id}}, NOW, LAG)
    assert first == again


def test_this_node_is_in_the_centre_its_peers_on_the_inner_ring_and_the_rest_outside():
    picture = lay_out(ME, _peers(), _others(5) + [ME, POLITI], {"dkr": {POLITI.id}}, NOW, LAG)
    rings = {n.facts.id: n.ring for n in picture.nodes}
    assert rings == {ME.id: 0, POLITI.id: 1, RANDERS.id: 1, DKR.id: 2, **{f"kommune-{n:02}": 2 for n in range(4)}}
    radius = {n.facts.id: math.hypot(n.x, n.y) for n in picture.nodes}
    assert radius[ME.id] == 0 and radius[POLITI.id] == pytest.approx(radius[RANDERS.id], abs=0.2)
    assert min(radius[i] for i, r in rings.items() if r == 2) > radius[POLITI.id]
    assert all(abs(n.x) < picture.half_width and abs(n.label_y) < picture.half_height for n in picture.nodes)


def test_a_node_learned_through_a_peer_is_linked_to_it_and_placed_beside_it():
    picture = lay_out(ME, _peers(), _others(9), {"dkr": {POLITI.id}}, NOW, LAG)
    [known] = [link for link in picture.links if link.health == "known"]
    assert (known.source, known.target) == (POLITI.id, DKR.id)
    assert picture.node(DKR.id).via == ("Østjyllands Politi",)
    politi, dkr = picture.node(POLITI.id), picture.node(DKR.id)
    apart = abs(math.degrees(math.atan2(politi.y, politi.x) - math.atan2(dkr.y, dkr.x))) % 360
    assert min(apart, 360 - apart) <= 360 / 9  # within one step of the outer ring


def test_each_peer_link_carries_its_health_and_lag_in_words():
    picture = lay_out(ME, _peers(), [], {}, NOW, LAG)
    links = {link.target: link for link in picture.links}
    assert links[POLITI.id].health == "ok" and links[POLITI.id].lag == "synkroniseret for 1 minut siden"
    assert links[RANDERS.id].health == "failing"
    assert links[RANDERS.id].lag == "seneste forsøg fejlede for 2 minutter siden; synkroniseret for 3 timer siden"
    assert picture.healths == ["ok", "failing"]


@pytest.mark.parametrize("state, synced, health", [
    (PeerState.APPROVED, timedelta(minutes=1), "ok"),
    (PeerState.APPROVED, timedelta(minutes=6), "lagging"),
    (PeerState.APPROVED, None, "lagging"),
    (PeerState.BACKING_OFF, timedelta(minutes=1), "failing"),
    (PeerState.SUSPENDED, timedelta(minutes=1), "paused"),
    (PeerState.PENDING, None, "pending"),
    (PeerState.BLOCKED, timedelta(minutes=1), "blocked"),
])
def test_health_comes_from_the_state_and_the_time_since_the_last_sync(state, synced, health):
    link = PeerLink(POLITI, state, NOW - synced if synced else None)
    assert link_health(link, NOW, LAG) == health


def test_lag_is_said_in_danish_words():
    assert ago(NOW - timedelta(seconds=20), NOW) == "for under et minut siden"
    assert ago(NOW - timedelta(minutes=1, seconds=59), NOW) == "for 1 minut siden"
    assert ago(NOW - timedelta(hours=1), NOW) == "for 1 time siden"
    assert ago(NOW - timedelta(days=2, hours=5), NOW) == "for 2 dage siden"
    assert lag_words(PeerLink(POLITI, PeerState.APPROVED), NOW) == "aldrig synkroniseret"


def test_a_crowded_outer_ring_turns_its_labels_along_the_radius_and_a_sparse_one_does_not():
    crowded = lay_out(ME, _peers(), _others(30), {}, NOW, LAG)
    sparse = lay_out(ME, _peers(), _others(4), {}, NOW, LAG)
    assert any(n.rotate for n in crowded.nodes if n.ring == 2)
    assert not any(n.rotate for n in sparse.nodes)
    assert all(-90 <= (n.rotate + 90) % 360 - 90 <= 90 for n in crowded.nodes)  # never upside down


def test_a_node_alone_is_drawn_in_the_centre():
    picture = lay_out(ME, [], [], {}, NOW, LAG)
    assert [(n.facts.id, n.x, n.y) for n in picture.nodes] == [(ME.id, 0.0, 0.0)] and picture.links == []
    assert picture.view_box.startswith("-")
