"""Other nodes by their name: one query maps node ids to the names in their descriptors."""

from __future__ import annotations

from federation.models import Peer, PeerState
from federation.names import node_name, node_names
from tests.helpers.envelopes import know_origin


def add_peer(session, node_id: str, name: str) -> None:
    session.add(Peer(id=node_id, name=name, kind="police", public_key="k", descriptor="{}", url="http://p.test",
                     state=PeerState.APPROVED, cursor=0, failures=0, received_total=0, district="Østjyllands Politi"))


def test_peers_and_known_nodes_are_named_and_unknown_ids_are_left_out(sessions):
    with sessions.begin() as session:
        know_origin(session)
        add_peer(session, "oestjyllands-politi", "Østjyllands Politi")
    with sessions() as session:
        assert node_names(session) == {"randers-kommune": "Randers Kommune",
                                       "oestjyllands-politi": "Østjyllands Politi"}
        assert node_names(session, ["randers-kommune", "ukendt-node"]) == {"randers-kommune": "Randers Kommune"}
        assert node_names(session, []) == {}


def test_a_known_nodes_name_wins_over_an_older_peer_row(sessions):
    with sessions.begin() as session:
        know_origin(session)
        add_peer(session, "randers-kommune", "Randers (gammelt navn)")
    with sessions() as session:
        assert node_names(session, ["randers-kommune"]) == {"randers-kommune": "Randers Kommune"}


def test_an_unnamed_node_falls_back_to_its_id():
    assert node_name({"a": "A Kommune"}, "a") == "A Kommune" and node_name({}, "b") == "b"
