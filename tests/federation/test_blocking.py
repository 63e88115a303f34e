"""Blocking a peer drops what only it relayed, and what waits because of it; its own items stay."""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from federation.ingest import Outcome, ingest
from federation.models import Envelope, Peer, WaitingEnvelope
from federation.peering import approve_peer, change_peer, record_peer
from federation.trust import check_descriptor, own_descriptor, remember_node
from federation.wire import item_payload, seal
from node.core.config import NodeSettings
from node.core.models import Item
from tests.helpers.envelopes import ME
from tests.helpers.nodes import SINKS

HOSTILE = NodeSettings("fjendtlig-kommune", "Fjendtlig Kommune", "municipality", "http://127.0.0.1:9", "0730")
POLITI = NodeSettings("oestjyllands-politi", "Østjyllands Politi", "police", "http://127.0.0.1:9",
                      district="Østjyllands Politi")
FAVRSKOV = NodeSettings("favrskov-kommune", "Favrskov Kommune", "municipality", "http://127.0.0.1:9", "0710")
UNKNOWN = NodeSettings("syddjurs-kommune", "Syddjurs Kommune", "municipality", "http://127.0.0.1:9", "0706")
KEYS = {s.id: Ed25519PrivateKey.generate() for s in (HOSTILE, POLITI, FAVRSKOV, UNKNOWN)}


def method(origin: NodeSettings, local_id: str):
    item = {"id": f"{origin.id}:{local_id}", "origin": origin.id, "version": 1, "published_at": "2026-11-01T09:00:00Z",
            "type": "method", "title": f"Metode {local_id}", "summary": "x", "body": "", "audience": "public",
            "tags": [], "municipalities": [], "police_districts": [], "prevention_level": None, "target_groups": [],
            "cooperation": [], "expires_at": None, "details": {}}
    return seal(item_payload(item), KEYS[origin.id])


def test_blocking_a_peer_drops_what_only_it_relayed_and_others_offer_their_copies_again(sessions):
    with sessions.begin() as session:
        for settings in (HOSTILE, POLITI):
            record_peer(session, check_descriptor(own_descriptor(settings, KEYS[settings.id])))
            approve_peer(session, settings.id)
            session.get(Peer, settings.id).cursor = 7
        remember_node(session, check_descriptor(own_descriptor(FAVRSKOV, KEYS[FAVRSKOV.id])), vouched_by="test")
        assert ingest(session, method(FAVRSKOV, "relayed"), HOSTILE.id, ME, SINKS) == Outcome.STORED
        assert ingest(session, method(HOSTILE, "own"), HOSTILE.id, ME, SINKS) == Outcome.STORED
        assert ingest(session, method(FAVRSKOV, "honest"), POLITI.id, ME, SINKS) == Outcome.STORED
        assert ingest(session, method(UNKNOWN, "waiting"), HOSTILE.id, ME, SINKS) == Outcome.WAITING
    with sessions.begin() as session:
        change_peer(session, HOSTILE.id, "block", SINKS)
    with sessions() as session:
        held = {e.item_id for e in session.query(Envelope)}
        assert held == {"fjendtlig-kommune:own", "favrskov-kommune:honest"}
        assert session.get(Item, "favrskov-kommune:relayed") is None  # the replica went with it
        assert session.query(WaitingEnvelope).count() == 0
        # The other peer's feed is read again from the start: whatever it also holds comes back from it.
        assert session.get(Peer, POLITI.id).cursor == 0 and session.get(Peer, HOSTILE.id).cursor == 7
