"""A pull cut off while it learns a relayed origin's key leaves the page to be fetched again.

Found while building the fault test (tests/federation/test_faults.py), by reading the pull: a node
that pulled a relayed item from a new origin, and whose question for that origin's key
(`GET /federation/v1/nodes/<origin>`) then failed on a dropped connection, put the item in its waiting
list and moved its cursor past it. The item was taken only if some later pull happened to bring
another envelope of that origin; a node with one peer and an origin that published nothing more
never got the item.
"""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from federation.client import PeerUnavailable
from federation.local import LocalNode
from federation.models import Peer, WaitingEnvelope
from federation.peering import approve_peer, record_peer
from federation.replication import PullStopped, pull_from_peer
from federation.trust import check_descriptor, endorse, own_descriptor
from node.core.config import NodeSettings
from node.core.models import Item
from tests.helpers.envelopes import ORIGIN, ORIGIN_KEY, envelope
from tests.helpers.nodes import SINKS

AARHUS = NodeSettings("aarhus-kommune", "Aarhus Kommune", "municipality", "http://127.0.0.1:9", "0751")
POLITI = NodeSettings("oestjyllands-politi", "Østjyllands Politi", "police", "http://127.0.0.1:9",
                      district="Østjyllands Politi")
POLITI_KEY = Ed25519PrivateKey.generate()


class RelayingPeer:
    """The district node relaying Randers' item; its answer about Randers' key fails `failures` times."""

    clock_offset = None  # the pull records the peer's clock offset; this fake sends no Date header

    def __init__(self, failures: int):
        self.failures = failures
        self.item = envelope(1)

    def __call__(self, *_connection):
        return self  # used as `connect`: the same fake for every pull

    def changes(self, cursor: int, limit: int):
        fresh = [{"seq": 1, "id": "randers-kommune:plan", "version": 1, "kind": "item"}] if cursor < 1 else []
        return {"changes": fresh, "next": 1, "more": False}

    def envelopes(self, item_ids):
        return [self.item]

    def node(self, node_id: str):
        if self.failures:
            self.failures -= 1
            raise PeerUnavailable("no answer: ConnectionResetError")
        descriptor = own_descriptor(ORIGIN, ORIGIN_KEY)
        endorsement = endorse(check_descriptor(descriptor), POLITI.id, POLITI_KEY)
        return {"descriptor": descriptor, "endorsements": [endorsement]}


@pytest.fixture
def local(sessions) -> LocalNode:
    """Aarhus, peered with the district node."""
    with sessions.begin() as session:
        record_peer(session, check_descriptor(own_descriptor(POLITI, POLITI_KEY)))
        approve_peer(session, POLITI.id, introducer=True)  # its word alone introduces keys, as a district's does
    return LocalNode(AARHUS, Ed25519PrivateKey.generate(), SINKS)


def test_a_failed_key_lookup_ends_the_pull_and_the_next_pull_takes_the_item(sessions, local):
    peer = RelayingPeer(failures=1)
    with pytest.raises(PeerUnavailable):
        pull_from_peer(sessions, local, POLITI.id, connect=peer)
    with sessions() as session:
        assert session.get(Peer, POLITI.id).cursor == 0  # the page is fetched again
        assert session.query(WaitingEnvelope).count() == 0
    pull_from_peer(sessions, local, POLITI.id, connect=peer)
    with sessions() as session:
        assert session.get(Item, "randers-kommune:plan").version == 1
        assert session.get(Peer, POLITI.id).cursor == 1


def test_a_pull_whose_worker_lost_its_lease_stores_nothing_and_leaves_the_page_for_the_next_holder(sessions, local):
    with pytest.raises(PullStopped):
        pull_from_peer(sessions, local, POLITI.id, connect=RelayingPeer(failures=0), may_store=lambda: False)
    with sessions() as session:
        assert session.get(Item, "randers-kommune:plan") is None
        assert session.get(Peer, POLITI.id).cursor == 0
