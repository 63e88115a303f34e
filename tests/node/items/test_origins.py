"""The names of the nodes items come from, read from the descriptors the federation package stores."""

from __future__ import annotations

from federation.models import KnownNode, Peer
from node.items.origins import origin_names


def test_names_come_from_known_nodes_and_peers_and_a_peers_own_descriptor_wins(sessions):
    with sessions.begin() as session:
        session.add_all([
            KnownNode(id="dkr", name="Det Kriminalpræventive Råd", kind="national", public_key="x",
                      descriptor="{}", vouched_by="peering"),
            KnownNode(id="randers-kommune", name="Randers (gammelt navn)", kind="municipality", public_key="y",
                      descriptor="{}", vouched_by="peering"),
            Peer(id="randers-kommune", name="Randers Kommune", kind="municipality", public_key="y", descriptor="{}",
                 url="http://randers", state="approved"),
        ])
    with sessions() as session:
        assert origin_names(session) == {"dkr": "Det Kriminalpræventive Råd", "randers-kommune": "Randers Kommune"}


def test_a_node_without_peers_knows_no_names(sessions):
    with sessions() as session:
        assert origin_names(session) == {}
