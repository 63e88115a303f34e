"""A hostile peer (a real process, tests/helpers/hostile_peer.py) is bounded in time, bytes and pages.

Each test runs the node's real client or pull against the peer in one of its
modes; the last one shows, with real node processes, that while one peer
trickles its answer the node keeps pulling its honest peer on time.
"""

from __future__ import annotations

import json
import resource
import time

import pytest
import requests
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from federation.client import PeerClient, PeerUnavailable, fetch_descriptor
from federation.ingest import Outcome
from federation.local import LocalNode
from federation.models import Envelope, Peer
from federation.peering import approve_peer, record_peer
from federation.replication import pull_from_peer
from federation.trust import check_descriptor
from node.core.config import NodeSettings, PeerLimits
from tests.helpers.hostile_peer import NODE_ID, running
from tests.helpers.live_nodes import LiveNode, peer, stop_all, wait_for, write_items
from tests.helpers.nodes import SINKS

SMALL = PeerLimits(deadline_seconds=3, max_answer_bytes=1024 * 1024, max_pages_per_pull=20)
AARHUS = NodeSettings("aarhus-kommune", "Aarhus Kommune", "municipality", "http://127.0.0.1:9", "0751")


@pytest.fixture
def hostile(request):
    """Start the hostile peer in the mode the test names (indirect parametrisation); yields its URL."""
    with running(*request.param.split()) as url:
        yield url


def client(url: str) -> PeerClient:
    return PeerClient(url, NODE_ID, AARHUS.id, Ed25519PrivateKey.generate(), SMALL)


def max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@pytest.mark.parametrize("hostile", ["slow"], indirect=True)
def test_an_answer_that_trickles_is_cut_off_at_the_deadline(hostile):
    started = time.monotonic()
    with pytest.raises(PeerUnavailable, match="no complete answer within 3 s"):
        client(hostile).changes(0, 500)
    assert time.monotonic() - started < 3 + 7  # the deadline, plus a margin for a busy machine (without it: days)


@pytest.mark.parametrize("hostile", ["huge", "gzip"], indirect=True)
def test_an_answer_past_the_size_limit_is_refused_before_it_is_all_read(hostile):
    before = max_rss_mb()
    with pytest.raises(PeerUnavailable, match="larger than 1 MB"):
        client(hostile).changes(0, 500)
    # 400 MB sent, or 1 GB once inflated: the node kept little more than the 1 MB it allows.
    assert max_rss_mb() - before < 64


@pytest.mark.parametrize("hostile", ["redirect"], indirect=True)
def test_a_redirect_is_refused_and_never_followed(hostile):
    with pytest.raises(PeerUnavailable, match="redirect refused"):
        client(hostile).changes(0, 500)
    with pytest.raises(PeerUnavailable, match="redirect refused"):
        fetch_descriptor(hostile + "/elsewhere")
    assert requests.get(hostile + "/hits", timeout=10).json()["target"] == 0


@pytest.mark.parametrize("hostile", ["endless"], indirect=True)
def test_an_endless_feed_ends_the_pull_at_the_page_limit_and_keeps_its_place(hostile, sessions):
    with sessions.begin() as session:
        record_peer(session, check_descriptor(fetch_descriptor(hostile)))
        approve_peer(session, NODE_ID)
    local = LocalNode(AARHUS, Ed25519PrivateKey.generate(), SINKS, limits=SMALL)
    with pytest.raises(PeerUnavailable, match="more than 20 pages in one pull"):
        pull_from_peer(sessions, local, NODE_ID)
    with sessions() as session:
        assert session.get(Peer, NODE_ID).cursor == 20  # the pages read are stored; the next pull goes on from there


@pytest.mark.parametrize("hostile", ["feed"], indirect=True)
def test_the_protocol_modes_speak_the_protocol_well_enough_to_be_pulled(hostile, sessions):
    # The control for the protocol modes: told to behave, the peer's item arrives.
    with sessions.begin() as session:
        record_peer(session, check_descriptor(fetch_descriptor(hostile)))
        approve_peer(session, NODE_ID)
    local = LocalNode(AARHUS, Ed25519PrivateKey.generate(), SINKS, limits=SMALL)
    report = pull_from_peer(sessions, local, NODE_ID)
    assert report[Outcome.STORED] == 1
    with sessions() as session:
        assert session.query(Envelope).filter_by(item_id=f"{NODE_ID}:aerlig-metode").count() == 1


@pytest.mark.parametrize("hostile", ["slow"], indirect=True)
def test_a_slow_peer_does_not_hold_up_pulls_from_an_honest_one(hostile, tmp_path):
    aarhus = LiveNode(tmp_path / "aarhus", "Aarhus Kommune", "municipality", municipality="0751")
    randers = LiveNode(tmp_path / "randers", "Randers Kommune", "municipality", municipality="0730")
    # Longer than the wait below: pulled one after another, the honest peer would wait for the slow one.
    aarhus.env["VIDENSNET_PEER_DEADLINE_SECONDS"] = "120"
    try:
        for node in (aarhus, randers):
            node.start()
        aarhus.cli("peer", "add", hostile)
        aarhus.cli("peer", "approve", NODE_ID)
        peer(aarhus, randers)
        time.sleep(3)  # the hostile peer is due at once: its pull is under way and stuck by now
        item = {"id": "efter-fjenden", "type": "method", "title": "Metode efter den fjendtlige peer",
                "summary": "Nået frem trods en langsom peer.", "audience": "public"}
        randers.publish(write_items(tmp_path / "item.jsonl", item))
        wait_for(lambda: aarhus.item("randers-kommune:efter-fjenden") is not None, timeout=30,
                 message="the honest peer's item on aarhus")
        peers = {p["id"]: p for p in json.loads(aarhus.cli("peer", "list", "--json").stdout)}
        assert peers["randers-kommune"]["status"] == "approved"
    finally:
        stop_all([aarhus, randers])
