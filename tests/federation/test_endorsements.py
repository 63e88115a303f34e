"""One peer alone never introduces a key: an anchor, an introducer or two agreeing approved peers must vouch.

The node's real key-learning code (federation/endorsements.py) runs against peers that answer
`GET /federation/v1/nodes/<id>` from memory; contradictions become trust alerts and are never applied.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from federation.client import PeerUnavailable
from federation.endorsements import MAX_ORIGINS_PER_PULL, KeyLearning, endorsers, learn_keys, note_known
from federation.identity import public_key_text
from federation.local import LocalNode
from federation.models import AlertKind, KnownNode, TrustAlert
from federation.peering import approve_peer, record_peer
from federation.trust import TrustError, check_descriptor, check_fresh, endorse, own_descriptor, remember_node
from federation.wire import endorsement_payload, node_payload, seal
from node.core.config import NodeSettings
from node.core.models import utcnow
from node.items.schema import format_datetime
from tests.helpers.nodes import SINKS, TEST_KEY

AARHUS = NodeSettings("aarhus-kommune", "Aarhus Kommune", "municipality", "http://127.0.0.1:9", "0751")
FAVRSKOV = NodeSettings("favrskov-kommune", "Favrskov Kommune", "municipality", "http://127.0.0.1:9", "0710")
POLITI = NodeSettings("oestjyllands-politi", "Østjyllands Politi", "police", "http://127.0.0.1:9",
                      district="Østjyllands Politi")
RANDERS = NodeSettings("randers-kommune", "Randers Kommune", "municipality", "http://127.0.0.1:9", "0730")
DKR = NodeSettings("dkr", "Det Kriminalpræventive Råd", "national", "http://127.0.0.1:9")
KEYS = {s.id: Ed25519PrivateKey.generate() for s in (FAVRSKOV, POLITI, RANDERS, DKR)}
FORGED = Ed25519PrivateKey.generate()


class Answering:
    """A peer's `/nodes/<id>` answers (a unit-test fake): a descriptor and the endorsements it holds."""

    def __init__(self, me: NodeSettings, records: dict | None = None):
        self.me, self.records, self.asked = me, records or {}, []

    def vouch(self, settings: NodeSettings, key=None, relayed: tuple = ()) -> Answering:
        """Hold `settings`' descriptor (signed by `key`) and endorse it, with endorsements accepted earlier."""
        descriptor = check_descriptor(own_descriptor(settings, key or KEYS[settings.id]))
        endorsements = [endorse(descriptor, self.me.id, KEYS[self.me.id]), *(r(descriptor) for r in relayed)]
        self.records[settings.id] = {"descriptor": descriptor.envelope, "endorsements": endorsements}
        return self

    def node(self, node_id: str):
        self.asked.append(node_id)
        if node_id not in self.records:
            raise PeerUnavailable("HTTP 404", status=404)
        return self.records[node_id]


def endorsed_by(settings: NodeSettings, days_ago: float = 0):
    """An endorsement by `settings`' node, signed that many days ago."""
    at = format_datetime(utcnow() - timedelta(days=days_ago))
    return lambda descriptor: seal(endorsement_payload(settings.id, descriptor.envelope, at), KEYS[settings.id])


def approved(sessions, *peers: NodeSettings, introducers: tuple = ()) -> None:
    with sessions.begin() as session:
        for settings in peers:
            record_peer(session, check_descriptor(own_descriptor(settings, KEYS[settings.id])))
            approve_peer(session, settings.id, introducer=settings in introducers)


def learn(sessions, pulled: Answering, others: dict[str, Answering] | None = None, anchors: dict | None = None,
          origin: str = FAVRSKOV.id) -> KnownNode | None:
    local = LocalNode(AARHUS, TEST_KEY, SINKS, trust_anchors=anchors or {})
    connect = lambda url, peer_id, my_id, key: (others or {})[peer_id]  # noqa: E731
    learn_keys(sessions, local, pulled, pulled.me.id, {origin}, connect)
    with sessions() as session:
        return session.get(KnownNode, origin)


def alerts(sessions) -> list[TrustAlert]:
    with sessions() as session:
        return list(session.query(TrustAlert))


def test_one_approved_peer_alone_cannot_introduce_a_key(sessions):
    approved(sessions, POLITI)
    assert learn(sessions, Answering(POLITI).vouch(FAVRSKOV)) is None
    assert alerts(sessions) == []  # not a contradiction: the envelopes just wait


def test_two_approved_peers_that_agree_introduce_a_key(sessions):
    approved(sessions, POLITI, RANDERS)
    randers = Answering(RANDERS).vouch(FAVRSKOV)
    known = learn(sessions, Answering(POLITI).vouch(FAVRSKOV), {RANDERS.id: randers})
    assert known.public_key == public_key_text(KEYS[FAVRSKOV.id])
    assert known.vouched_by == "oestjyllands-politi,randers-kommune"
    assert randers.asked == [FAVRSKOV.id]


def test_an_endorsement_an_approved_peer_relayed_counts_as_that_peers_own(sessions):
    # Politi accepted the key on Randers' endorsement; Randers is this node's peer too, so two agree.
    approved(sessions, POLITI, RANDERS)
    down = Answering(RANDERS)  # does not answer: the relayed signature is enough
    assert learn(sessions, Answering(POLITI).vouch(FAVRSKOV, relayed=(endorsed_by(RANDERS),)), {RANDERS.id: down})


def test_an_introducer_peer_alone_introduces_a_key(sessions):
    approved(sessions, POLITI, introducers=(POLITI,))
    assert learn(sessions, Answering(POLITI).vouch(FAVRSKOV)).vouched_by == POLITI.id


def test_a_trust_anchors_fresh_relayed_endorsement_introduces_a_key_and_a_stale_one_does_not(sessions):
    approved(sessions, POLITI)
    anchors = {DKR.id: public_key_text(KEYS[DKR.id])}
    stale = Answering(POLITI).vouch(FAVRSKOV, relayed=(endorsed_by(DKR, days_ago=31),))
    assert learn(sessions, stale, anchors=anchors) is None
    fresh = Answering(POLITI).vouch(FAVRSKOV, relayed=(endorsed_by(DKR, days_ago=29),))
    assert learn(sessions, fresh, anchors=anchors).vouched_by == "dkr,oestjyllands-politi"


def test_two_peers_vouching_for_different_keys_of_a_new_node_raise_an_alert_and_neither_is_applied(sessions):
    approved(sessions, POLITI, RANDERS)
    liar = Answering(RANDERS).vouch(FAVRSKOV, key=FORGED)
    assert learn(sessions, Answering(POLITI).vouch(FAVRSKOV), {RANDERS.id: liar}) is None
    [alert] = alerts(sessions)
    assert alert.kind == AlertKind.KEY_CONFLICT and alert.node == FAVRSKOV.id
    assert set(alert.keys) == {public_key_text(KEYS[FAVRSKOV.id]), public_key_text(FORGED)}
    assert {c["by"] for c in alert.claims} == {POLITI.id, RANDERS.id}
    assert public_key_text(FORGED) in alert.evidence  # the signed answers are kept


def test_an_introducer_is_not_followed_when_another_approved_peer_contradicts_it(sessions):
    approved(sessions, POLITI, RANDERS, introducers=(POLITI,))
    liar = Answering(RANDERS).vouch(FAVRSKOV, key=FORGED)
    assert learn(sessions, Answering(POLITI).vouch(FAVRSKOV), {RANDERS.id: liar}) is None
    assert len(alerts(sessions)) == 1


def test_an_introducer_cannot_introduce_another_key_for_a_trust_anchor(sessions):
    approved(sessions, POLITI, introducers=(POLITI,))
    anchors = {DKR.id: public_key_text(KEYS[DKR.id])}
    assert learn(sessions, Answering(POLITI).vouch(DKR, key=FORGED), anchors=anchors, origin=DKR.id) is None
    assert [a.node for a in alerts(sessions)] == [DKR.id]


def test_a_forged_endorsement_in_a_peers_answer_counts_for_nothing(sessions):
    approved(sessions, POLITI, RANDERS)
    fake = lambda d: seal(endorsement_payload(RANDERS.id, d.envelope, format_datetime(utcnow())), FORGED)  # noqa: E731
    assert learn(sessions, Answering(POLITI).vouch(FAVRSKOV, relayed=(fake,)), {RANDERS.id: Answering(RANDERS)}) is None


def test_descriptors_and_endorsements_from_the_future_are_refused():
    soon = format_datetime(utcnow() + timedelta(minutes=10))
    with pytest.raises(TrustError, match="in the future"):
        check_descriptor(seal(node_payload({**own_descriptor(FAVRSKOV, FORGED)["payload"]}, soon), FORGED))
    with pytest.raises(TrustError, match="in the future"):
        check_fresh(soon, timedelta(days=30), "endorsement")
    with pytest.raises(TrustError, match="older than 30 days"):
        check_fresh(format_datetime(utcnow() - timedelta(days=31)), timedelta(days=30), "endorsement")


def test_a_peer_vouching_for_another_key_of_a_known_node_raises_an_alert_and_the_key_stays(sessions):
    approved(sessions, POLITI, RANDERS)
    real = public_key_text(KEYS[FAVRSKOV.id])
    with sessions.begin() as session:
        remember_node(session, check_descriptor(own_descriptor(FAVRSKOV, KEYS[FAVRSKOV.id])), vouched_by="test")
    forged = Answering(RANDERS).vouch(FAVRSKOV, key=FORGED).node(FAVRSKOV.id)
    local = LocalNode(AARHUS, TEST_KEY, SINKS)
    with sessions.begin() as session:
        note_known(session, FAVRSKOV.id, forged, endorsers(session, local), RANDERS.id)
    with sessions() as session:
        assert session.get(KnownNode, FAVRSKOV.id).public_key == real
    [alert] = alerts(sessions)
    assert alert.reported_by == RANDERS.id and set(alert.keys) == {real, public_key_text(FORGED)}


def test_a_peer_inventing_origins_makes_one_pull_look_up_at_most_a_hundred_and_each_once(sessions):
    approved(sessions, POLITI)
    liar = Answering(POLITI)
    learning = KeyLearning(sessions, LocalNode(AARHUS, TEST_KEY, SINKS), liar, POLITI.id, connect=None)
    for page in range(8):  # eight pages of twenty invented origins, the first page repeated each time
        learning({f"opdigtet-{i}" for i in range(page * 20, page * 20 + 20)} | {f"opdigtet-{i}" for i in range(20)})
    assert len(liar.asked) == MAX_ORIGINS_PER_PULL == len(set(liar.asked))
