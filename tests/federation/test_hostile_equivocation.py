"""A hostile peer (a real process) that equivocates or replays, pulled with the node's real pull code.

An origin that signs two payloads for one version is caught and neither payload
is shown or passed on; replays of old, stale and retracted envelopes under new
seqs store nothing, and the latest version stays. The last test does it with
real node processes that keep replicating with each other meanwhile.
"""

from __future__ import annotations

import html
from collections import Counter

import pytest
import requests
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select

from federation.audience import NodeView
from federation.changes import changes_since
from federation.client import fetch_descriptor
from federation.ingest import Outcome
from federation.local import LocalNode
from federation.models import Envelope, Equivocation, Rejection
from federation.peering import approve_peer, record_peer
from federation.replication import pull_from_peer
from federation.trust import check_descriptor
from node.core.models import Item
from tests.federation import test_hostile_peer
from tests.federation.test_hostile_peer import AARHUS, SMALL
from tests.helpers.hostile_feed import EQUIVOCATED, REPLAYED, RETRACTED
from tests.helpers.hostile_peer import NODE_ID
from tests.helpers.live_nodes import HTTP_TIMEOUT, LiveNode, peer, query, stop_all, wait_for, write_items
from tests.helpers.nodes import PASSWORD, SINKS
from tests.helpers.web import csrf_token

RANDERS = NodeView("randers-kommune", "municipality", "0730")
hostile = test_hostile_peer.hostile  # the same fixture: the hostile peer process in the mode a test names


def _peered(sessions, url: str) -> LocalNode:
    with sessions.begin() as session:
        record_peer(session, check_descriptor(fetch_descriptor(url)))
        approve_peer(session, NODE_ID)
    return LocalNode(AARHUS, Ed25519PrivateKey.generate(), SINKS, limits=SMALL)


@pytest.mark.parametrize("hostile", ["equivocating"], indirect=True)
def test_an_origin_telling_two_stories_of_one_version_is_caught_and_neither_is_shown(hostile, sessions):
    local = _peered(sessions, hostile)
    assert pull_from_peer(sessions, local, NODE_ID)[Outcome.STORED] == 1
    requests.post(hostile + "/story", timeout=10)  # the same version, now with another payload
    assert pull_from_peer(sessions, local, NODE_ID)[Outcome.CONFLICT] == 1
    item_id = f"{NODE_ID}:{EQUIVOCATED}"
    with sessions() as session:
        [evidence] = session.scalars(select(Equivocation)).all()
        assert '"Den første fortælling"' in evidence.first_envelope
        assert '"Den anden fortælling"' in evidence.second_envelope
        assert session.get(Item, item_id) is None  # neither story is shown, searched or served by the API
        assert changes_since(session, 0, 500, RANDERS)[0] == []  # nor passed on
        assert session.query(Envelope).filter_by(item_id=item_id).count() == 1
    assert pull_from_peer(sessions, local, NODE_ID) == Counter()  # told again, nothing new happens


@pytest.mark.parametrize("hostile", ["replaying"], indirect=True)
def test_replayed_stale_and_retracted_envelopes_store_nothing_and_the_latest_version_stays(hostile, sessions):
    local = _peered(sessions, hostile)
    first = pull_from_peer(sessions, local, NODE_ID)
    assert (first[Outcome.STORED], first[Outcome.TOMBSTONED]) == (1, 1)
    later = Counter()
    for _ in range(3):  # each read re-announces old envelopes under new seqs
        later += pull_from_peer(sessions, local, NODE_ID)
    assert later[Outcome.STORED] == later[Outcome.TOMBSTONED] == later[Outcome.CONFLICT] == 0
    assert later[Outcome.SKIPPED] >= 3  # the bodies announced under a lying version were fetched and judged stale
    with sessions() as session:
        rows = {r.item_id: (r.kind, r.version) for r in session.scalars(select(Envelope))}
        assert rows == {f"{NODE_ID}:{REPLAYED}": ("item", 2), f"{NODE_ID}:{RETRACTED}": ("tombstone", 1)}
        assert session.get(Item, f"{NODE_ID}:{REPLAYED}").title == "Ny udgave"
        assert session.get(Item, f"{NODE_ID}:{RETRACTED}") is None
        assert session.scalars(select(Equivocation)).all() == []
        assert session.scalars(select(Rejection)).all() == []


@pytest.mark.parametrize("hostile", ["equivocating"], indirect=True)
def test_two_live_nodes_both_catch_an_equivocating_peer_and_keep_replicating_with_each_other(hostile, tmp_path):
    aarhus = LiveNode(tmp_path / "aarhus", "Aarhus Kommune", "municipality", municipality="0751")
    randers = LiveNode(tmp_path / "randers", "Randers Kommune", "municipality", municipality="0730")
    item_id = f"{NODE_ID}:{EQUIVOCATED}"
    try:
        for node in (aarhus, randers):
            node.start()
            node.cli("peer", "add", hostile)
            node.cli("peer", "approve", NODE_ID)
        peer(aarhus, randers)
        for node in (aarhus, randers):
            wait_for(lambda: node.item(item_id), message=f"the first story at {node.id}")
        requests.post(hostile + "/story", timeout=10)
        honest = {"id": "imens", "type": "method", "title": "Metode mens den fjendtlige peer lyver",
                  "summary": "Nået frem under en konflikt.", "audience": "public"}
        randers.publish(write_items(tmp_path / "item.jsonl", honest))
        wait_for(lambda: aarhus.item("randers-kommune:imens"), message="the honest item at aarhus")
        for node in (aarhus, randers):
            wait_for(lambda: query(node, "SELECT count(*) FROM equivocations") == [(1,)],
                     message=f"the conflict at {node.id}")
            assert node.item(item_id) is None  # neither story is shown
            assert query(node, "SELECT conflict FROM envelopes WHERE item_id = ?", item_id) == [(1,)]
            assert query(node, "SELECT count(*) FROM envelopes WHERE item_id = 'randers-kommune:imens'") == [(1,)]
            page = admin_page(node)
            assert "i konflikt" in page and "Den første fortælling" in page and "Den anden fortælling" in page
            assert "Fjendtlig Kommune" in page
    finally:
        stop_all([aarhus, randers])


def admin_page(node: LiveNode) -> str:
    """The admin page of a live node, as its admin sees it (unescaped)."""
    session = requests.Session()
    login = session.get(node.url + "/login", timeout=HTTP_TIMEOUT).text
    session.post(node.url + "/login", data={"username": "admin", "password": PASSWORD, "csrf_token": csrf_token(login)},
                 timeout=HTTP_TIMEOUT)
    return html.unescape(session.get(node.url + "/admin/", timeout=HTTP_TIMEOUT).text)
