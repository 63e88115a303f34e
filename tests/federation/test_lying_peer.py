"""A peer that lies about other nodes' keys or about its own facts (tests/helpers/hostile_peer.py, a real process).

The node's real pull code, or real node processes, against the lying peer show: nothing forged is
stored, the contradiction is an alert on the admin page, and honest peers keep replicating on time.
"""

from __future__ import annotations

import json

import requests
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from federation.client import PeerClient, PeerUnavailable, fetch_descriptor
from federation.ingest import Outcome
from federation.local import LocalNode
from federation.models import AlertKind, Envelope, KnownNode, TrustAlert
from federation.peering import approve_peer, record_peer
from federation.replication import pull_from_peer
from federation.trust import check_descriptor, endorse, own_descriptor
from node.core.config import NodeSettings, PeerLimits
from tests.helpers.hostile_feed import FAKED_ENDORSER
from tests.helpers.hostile_peer import NODE_ID, running
from tests.helpers.live_nodes import HTTP_TIMEOUT, LiveNode, peer, query, stop_all, wait_for, write_items
from tests.helpers.nodes import PASSWORD, SINKS
from tests.helpers.web import csrf_token

SMALL = PeerLimits(deadline_seconds=10, max_answer_bytes=1024 * 1024, max_pages_per_pull=20)
AARHUS = NodeSettings("aarhus-kommune", "Aarhus Kommune", "municipality", "http://127.0.0.1:9", "0751")
FAVRSKOV = NodeSettings("favrskov-kommune", "Favrskov Kommune", "municipality", "http://127.0.0.1:9", "0710")
POLITI = NodeSettings("oestjyllands-politi", "Østjyllands Politi", "police", "http://127.0.0.1:9",
                      district="Østjyllands Politi")
FAVRSKOV_KEY, POLITI_KEY = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()


class HonestDistrict:
    """An approved honest peer (in memory) that knows Favrskov's real key."""

    def node(self, node_id: str):
        if node_id != FAVRSKOV.id:
            raise PeerUnavailable("HTTP 404", status=404)
        descriptor = check_descriptor(own_descriptor(FAVRSKOV, FAVRSKOV_KEY))
        return {"descriptor": descriptor.envelope, "endorsements": [endorse(descriptor, POLITI.id, POLITI_KEY)]}


def approve_liar(sessions, url: str) -> None:
    with sessions.begin() as session:
        record_peer(session, check_descriptor(fetch_descriptor(url)))
        approve_peer(session, NODE_ID)


def pull_liar(sessions, connect=None):
    local = LocalNode(AARHUS, Ed25519PrivateKey.generate(), SINKS, limits=SMALL)
    connect = connect or (lambda url, peer_id, my_id, key: PeerClient(url, peer_id, my_id, key, SMALL))
    return pull_from_peer(sessions, local, NODE_ID, connect=connect)


def held_from(sessions, origin: str) -> int:
    with sessions() as session:
        return session.query(Envelope).filter_by(origin=origin).count()


def test_a_forged_key_offered_by_one_peer_alone_is_not_accepted_and_its_items_wait(sessions):
    with running("lying-keys", "--victim", FAVRSKOV.id) as url:
        approve_liar(sessions, url)
        report = pull_liar(sessions)
    assert report[Outcome.STORED] == 1 and report[Outcome.WAITING] == 1  # its own item; the forged one waits
    with sessions() as session:
        assert session.get(KnownNode, FAVRSKOV.id) is None
        assert session.query(TrustAlert).count() == 0  # one voice is not a contradiction, just not enough
    assert held_from(sessions, FAVRSKOV.id) == 0


def test_a_forged_key_contradicted_by_another_approved_peer_is_an_alert_and_never_applied(sessions):
    with sessions.begin() as session:
        record_peer(session, check_descriptor(own_descriptor(POLITI, POLITI_KEY)))
        approve_peer(session, POLITI.id)
    honest = HonestDistrict()
    with running("lying-keys", "--victim", FAVRSKOV.id) as url:
        approve_liar(sessions, url)
        pull_liar(sessions, lambda u, peer_id, my_id, key: honest if peer_id == POLITI.id else
                  PeerClient(u, peer_id, my_id, key, SMALL))
    with sessions() as session:
        assert session.get(KnownNode, FAVRSKOV.id) is None
        [alert] = session.query(TrustAlert).all()
        assert alert.kind == AlertKind.KEY_CONFLICT and alert.node == FAVRSKOV.id
        # The liar's own endorsement counts as one voice; the district's, faked by it, counts for nothing.
        real = check_descriptor(own_descriptor(FAVRSKOV, FAVRSKOV_KEY)).payload["public_key"]
        assert {(c["by"], c["key"] == real) for c in alert.claims} == {(NODE_ID, False), (FAKED_ENDORSER, True)}
    assert held_from(sessions, FAVRSKOV.id) == 0


def admin_page(node) -> str:
    session = requests.Session()
    csrf = csrf_token(session.get(node.url + "/login", timeout=HTTP_TIMEOUT).text)
    session.post(node.url + "/login", data={"username": "admin", "password": PASSWORD, "csrf_token": csrf},
                 timeout=HTTP_TIMEOUT).raise_for_status()
    return session.get(node.url + "/admin/", timeout=HTTP_TIMEOUT).text


def method(local_id: str) -> dict:
    return {"id": local_id, "type": "method", "title": f"Metode {local_id}", "summary": "Ærlig.", "audience": "public"}


def test_a_peer_forging_a_known_nodes_key_raises_an_alert_while_the_honest_peers_keep_replicating(tmp_path):
    aarhus = LiveNode(tmp_path / "aarhus", "Aarhus Kommune", "municipality", municipality="0751")
    randers = LiveNode(tmp_path / "randers", "Randers Kommune", "municipality", municipality="0730")
    try:
        with running("lying-keys", "--victim", "randers-kommune") as url:
            for node in (aarhus, randers):
                node.start()
            peer(aarhus, randers)
            aarhus.cli("peer", "add", url)
            aarhus.cli("peer", "approve", NODE_ID)
            wait_for(lambda: "Forskellige nøgler er anbefalet for Randers Kommune" in admin_page(aarhus),
                     timeout=60, message="the key conflict on aarhus' admin page")
            randers.publish(write_items(tmp_path / "item.jsonl", method("efter-loegnen")))
            # Pulled every 2 s: well within the wait, on a busy machine too.
            wait_for(lambda: aarhus.item("randers-kommune:efter-loegnen"), timeout=30, message="randers' item")
        assert aarhus.item("randers-kommune:forfalsket") is None
        real = requests.get(randers.url + "/.well-known/vidensnet", timeout=HTTP_TIMEOUT).json()["payload"]
        held_key = query(aarhus, "SELECT public_key FROM known_nodes WHERE id = 'randers-kommune'")
        assert held_key == [(real["public_key"],)]
    finally:
        stop_all([aarhus, randers])


def test_a_peer_claiming_other_facts_after_approval_is_refused_and_shown_on_the_admin_page(tmp_path):
    aarhus = LiveNode(tmp_path / "aarhus", "Aarhus Kommune", "municipality", municipality="0751")
    try:
        with running("lying-facts", "--lie-to", aarhus.url) as url:
            aarhus.start()
            aarhus.cli("peer", "add", url)
            aarhus.cli("peer", "approve", NODE_ID)
            lie = wait_for(lambda: requests.get(url + "/hits", timeout=HTTP_TIMEOUT).json()["lie"], timeout=60,
                           message="the lying peering request")
            assert lie.startswith("HTTP 400")
        peers = {p["id"]: p for p in json.loads(aarhus.cli("peer", "list", "--json").stdout)}
        assert peers[NODE_ID]["kind"] == "municipality"
        assert "Fjendtlig Kommune påstod at være noget andet, end den er godkendt som" in admin_page(aarhus)
    finally:
        stop_all([aarhus])
