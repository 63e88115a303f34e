"""A trust anchor's configured key is pinned: its descriptor must carry exactly that key."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from federation.identity import public_key_text
from federation.models import KnownNode
from federation.peering import PeeringError, approve_peer, record_peer
from federation.replication import _learn_keys
from federation.trust import check_descriptor, endorse, own_descriptor
from node.core.config import NodeSettings

DKR = NodeSettings("dkr", "Det Kriminalpræventive Råd", "national", "http://127.0.0.1:9")
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
    trusted = {POLITI.id: public_key_text(PEER_KEY), **PINNED}
    _learn_keys(sessions, PeerAnswering(FALSE_KEY), [{"payload": {"origin": "dkr"}}], trusted)
    with sessions() as session:
        assert session.get(KnownNode, "dkr") is None
    _learn_keys(sessions, PeerAnswering(ANCHOR_KEY), [{"payload": {"origin": "dkr"}}], trusted)
    with sessions() as session:
        assert session.get(KnownNode, "dkr").public_key == PINNED["dkr"]


def test_a_trust_anchor_is_approved_as_a_peer_only_with_its_configured_key(sessions):
    with sessions.begin() as session:
        record_peer(session, check_descriptor(own_descriptor(DKR, FALSE_KEY)))
    with sessions.begin() as session, pytest.raises(PeeringError, match="trust anchor"):
        approve_peer(session, "dkr", PINNED)
