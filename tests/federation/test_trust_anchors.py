"""A trust anchor's configured key is pinned: its descriptor must carry exactly that key."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from federation.endorsements import learn_keys
from federation.identity import public_key_text
from federation.local import LocalNode
from federation.models import KnownNode
from federation.peering import PeeringError, approve_peer, record_peer
from federation.trust import check_descriptor, endorse, own_descriptor
from node.core.config import NodeSettings
from tests.helpers.nodes import SINKS, TEST_KEY

DKR = NodeSettings("dkr", "Det Kriminalpræventive Råd", "national", "http://127.0.0.1:9")
AARHUS = NodeSettings("aarhus-kommune", "Aarhus Kommune", "municipality", "http://127.0.0.1:9", "0751")
POLITI = NodeSettings("oestjyllands-politi", "Østjyllands Politi", "police", "http://127.0.0.1:9",
                      district="Østjyllands Politi")
ANCHOR_KEY, FALSE_KEY, PEER_KEY = (Ed25519PrivateKey.generate() for _ in range(3))
PINNED = {"dkr": public_key_text(ANCHOR_KEY)}


class PeerAnswering:
    """A peer's answer to `GET /federation/v1/nodes/dkr`: a descriptor it endorses (a unit-test fake)."""

    def __init__(self, descriptor_key):
        self.descriptor = own_descriptor(DKR, descriptor_key)

    def node(self, node_id: str):
        return {"descriptor": self.descriptor,
                "endorsements": [endorse(check_descriptor(self.descriptor), POLITI.id, PEER_KEY)]}


def test_a_peer_cannot_introduce_a_false_key_for_a_trust_anchor(sessions):
    with sessions.begin() as session:
        record_peer(session, check_descriptor(own_descriptor(POLITI, PEER_KEY)))
        approve_peer(session, POLITI.id, introducer=True)  # even a peer whose word counts alone
    local = LocalNode(AARHUS, TEST_KEY, SINKS, trust_anchors=PINNED)
    learn_keys(sessions, local, PeerAnswering(FALSE_KEY), POLITI.id, {"dkr"}, connect=None)
    with sessions() as session:
        assert session.get(KnownNode, "dkr") is None
    # The anchor's own descriptor with its configured key vouches for itself.
    learn_keys(sessions, local, PeerAnswering(ANCHOR_KEY), POLITI.id, {"dkr"}, connect=None)
    with sessions() as session:
        assert session.get(KnownNode, "dkr").public_key == PINNED["dkr"]


def test_a_trust_anchor_is_approved_as_a_peer_only_with_its_configured_key(sessions):
    with sessions.begin() as session:
        record_peer(session, check_descriptor(own_descriptor(DKR, FALSE_KEY)))
    with sessions.begin() as session, pytest.raises(PeeringError, match="trust anchor"):
        approve_peer(session, "dkr", PINNED)
