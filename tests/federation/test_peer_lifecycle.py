"""An admin suspends, resumes, blocks and removes peers; a pending request never keeps the real node out."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from federation import peering
from federation.models import Peer, PeerState
from federation.peering import PeeringError, approve_peer, change_peer, expire_pending_peers, record_peer, remove_peer
from federation.tokens import issue_token
from federation.trust import check_descriptor, own_descriptor
from node.core.config import NodeSettings
from node.core.models import utcnow
from tests.helpers.live_nodes import vidensnet
from tests.helpers.web import csrf_token, login

RANDERS = NodeSettings("randers-kommune", "Randers Kommune", "municipality", "http://127.0.0.1:9", "0730")


class Remote:
    """Randers as a key and a descriptor, calling our app."""

    def __init__(self):
        self.key = Ed25519PrivateKey.generate()

    def headers(self, clock_ahead: float = 0) -> dict[str, str]:
        token = issue_token(self.key, RANDERS.id, "aarhus-kommune", now=time.time() + clock_ahead)
        return {"Authorization": "Bearer " + token}

    def descriptor(self):
        return own_descriptor(RANDERS, self.key)

    def ask_to_peer(self, client):
        return client.post("/federation/v1/peering", json={"descriptor": self.descriptor()}, headers=self.headers())


@pytest.fixture
def randers(client, sessions):
    """Randers, approved as a peer."""
    remote = Remote()
    assert remote.ask_to_peer(client).status_code == 202
    with sessions.begin() as session:
        approve_peer(session, RANDERS.id)
    return remote


def state(sessions) -> str | None:
    with sessions() as session:
        peer = session.get(Peer, RANDERS.id)
        return peer.state if peer else None


def test_a_suspended_peer_is_refused_until_it_is_resumed(client, sessions, randers):
    with sessions.begin() as session:
        change_peer(session, RANDERS.id, "suspend")
    assert client.get("/federation/v1/changes", headers=randers.headers()).status_code == 403
    with sessions.begin() as session:
        change_peer(session, RANDERS.id, "resume")
    assert client.get("/federation/v1/changes", headers=randers.headers()).status_code == 200
    assert state(sessions) == PeerState.APPROVED


def test_a_blocked_peer_is_refused_and_cannot_ask_again_until_it_is_removed(client, sessions, randers):
    with sessions.begin() as session:
        change_peer(session, RANDERS.id, "block")
    assert client.get("/federation/v1/changes", headers=randers.headers()).status_code == 403
    refused = randers.ask_to_peer(client)
    assert refused.status_code == 400 and "blokeret" in refused.get_json()["error"]["message"]
    with sessions.begin() as session, pytest.raises(PeeringError, match="blokeret og kan ikke blive godkendt"):
        change_peer(session, RANDERS.id, "resume")
    with sessions.begin() as session:
        remove_peer(session, RANDERS.id)
    assert state(sessions) is None
    assert randers.ask_to_peer(client).status_code == 202 and state(sessions) == PeerState.PENDING


def test_a_pending_request_can_be_refused_by_removing_it(client, sessions):
    assert Remote().ask_to_peer(client).status_code == 202
    with sessions.begin() as session:
        remove_peer(session, RANDERS.id)
    assert state(sessions) is None


def test_a_squatted_pending_request_gives_way_to_the_descriptor_fetched_from_the_nodes_url(client, sessions):
    squatter, real = Remote(), Remote()  # the squatter claims Randers' id with a key of its own
    assert squatter.ask_to_peer(client).status_code == 202
    with sessions.begin() as session, pytest.raises(PeeringError, match="kendt med en anden nøgle"):
        record_peer(session, check_descriptor(real.descriptor()))  # a request alone cannot replace it
    with sessions.begin() as session:
        record_peer(session, check_descriptor(real.descriptor()), fetched_from_its_url=True)  # `peer add URL`
    with sessions() as session:
        peer = session.get(Peer, RANDERS.id)
        assert peer.public_key == check_descriptor(real.descriptor()).payload["public_key"]
        assert "erstattet" in peer.last_error


def test_the_admin_page_and_the_cli_suspend_block_and_remove(app, client, users, sessions, randers, node_home):
    admin = app.test_client()
    login(admin, "admin")
    token = csrf_token(admin.get("/admin/").get_data(as_text=True))
    assert admin.post(f"/admin/peers/{RANDERS.id}/pause", data={"csrf_token": token}).status_code == 302
    page = admin.get("/admin/").get_data(as_text=True)
    assert "På pause" in page and "Genoptag" in page
    assert state(sessions) == PeerState.SUSPENDED
    assert vidensnet(node_home, "peer", "resume", RANDERS.id).stdout.strip() == "randers-kommune: approved"
    assert vidensnet(node_home, "peer", "block", RANDERS.id).stdout.strip() == "randers-kommune: blocked"
    refused = vidensnet(node_home, "peer", "suspend", RANDERS.id, check=False)
    assert refused.returncode != 0 and "er blokeret og kan ikke blive på pause" in refused.stderr
    assert admin.post(f"/admin/peers/{RANDERS.id}/fjern", data={"csrf_token": token, "bekraeftet": "ja"}
                      ).status_code == 302
    assert state(sessions) is None


def test_a_peer_whose_clock_is_minutes_off_is_served_and_shown_to_the_admin(app, client, users, sessions, randers):
    assert client.get("/federation/v1/changes", headers=randers.headers(clock_ahead=240)).status_code == 200
    assert client.get("/federation/v1/changes", headers=randers.headers(clock_ahead=-400)).status_code == 200
    assert client.get("/federation/v1/changes", headers=randers.headers(clock_ahead=-600)).status_code == 401
    with sessions.begin() as session:
        session.get(Peer, RANDERS.id).clock_offset_seconds = -330  # as its last answer showed
    admin = app.test_client()
    login(admin, "admin")
    page = admin.get("/admin/").get_data(as_text=True)
    assert "Dens ur går 5 min 30 s bagud, mere end de 5 minutter der tåles" in page


def test_peering_requests_are_limited_per_source_address(client, sessions):
    remote = Remote()  # asking again with the same key refreshes the pending record
    answers = [remote.ask_to_peer(client).status_code for _ in range(11)]
    assert answers[:10] == [202] * 10 and answers[10] == 429


def test_pending_peers_are_capped_and_expire(sessions, monkeypatch):
    monkeypatch.setattr(peering, "PENDING_MAX", 1)
    with sessions.begin() as session:
        record_peer(session, check_descriptor(Remote().descriptor()))
    other = NodeSettings("favrskov-kommune", "Favrskov Kommune", "municipality", "http://127.0.0.1:9", "0710")
    with sessions.begin() as session, pytest.raises(PeeringError, match="allerede 1 afventende"):
        record_peer(session, check_descriptor(own_descriptor(other, Ed25519PrivateKey.generate())))
    with sessions.begin() as session:
        assert expire_pending_peers(session, utcnow()) == 0
        assert expire_pending_peers(session, utcnow() + peering.PENDING_KEPT + timedelta(seconds=1)) == 1
    assert state(sessions) is None
