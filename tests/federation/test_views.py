"""Federation endpoints in one app: peering requests, approval, JWT checks, audience in the feed, empty polls."""

from __future__ import annotations

import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from federation.identity import b64url, load_node_key
from federation.models import Peer
from federation.tokens import issue_token
from federation.trust import own_descriptor
from node.core.config import NodeSettings
from node.items.files import import_items
from node.items.publishing import ActingNode
from node.process import item_sinks
from tests.helpers.web import csrf_token, login

NATIONAL = NodeSettings("dkr", "Det Kriminalpræventive Råd", "national", "http://127.0.0.1:9")
NEIGHBOUR = NodeSettings("randers-kommune", "Randers Kommune", "municipality", "http://127.0.0.1:9", "0730")


class RemoteNode:
    """A node that exists only as a key and a descriptor, calling our app."""

    def __init__(self, settings: NodeSettings):
        self.settings, self.key = settings, Ed25519PrivateKey.generate()

    def headers(self, audience: str = "aarhus-kommune") -> dict[str, str]:
        return {"Authorization": "Bearer " + issue_token(self.key, self.settings.id, audience)}

    def ask_to_peer(self, client):
        return client.post("/federation/v1/peering", json={"descriptor": own_descriptor(self.settings, self.key)},
                           headers=self.headers())


@pytest.fixture
def published(sessions, config):
    """A public item and an Østjyllands Politi district bulletin, published by Aarhus with its own key."""
    by = ActingNode("aarhus-kommune", item_sinks(load_node_key(config.keys_dir)))
    lines = [
        {"id": "offentlig", "type": "method", "title": "Offentlig metode", "summary": "x", "audience": "public"},
        {"id": "bulletin", "type": "bulletin", "title": "Kredsbulletin", "summary": "x",
         "police_districts": ["Østjyllands Politi"]},
    ]
    with sessions.begin() as session:
        import_items(session, by, [json.dumps(line, ensure_ascii=False) for line in lines])


def approve(app, peer_id: str) -> None:
    admin = app.test_client()
    login(admin, "admin")
    token = csrf_token(admin.get("/admin/").get_data(as_text=True))
    assert admin.post(f"/admin/peers/{peer_id}/godkend", data={"csrf_token": token}).status_code == 302


def test_descriptor_is_served_signed_at_the_well_known_url(client, config):
    body = client.get("/.well-known/vidensnet").get_json()
    assert body["payload"]["id"] == "aarhus-kommune" and body["payload"]["protocol"] == 1
    assert set(body) == {"payload", "signature"}


def test_peering_request_is_pending_until_the_admin_approves_it(app, client, users, published):
    remote = RemoteNode(NEIGHBOUR)
    assert remote.ask_to_peer(client).status_code == 202
    assert client.get("/federation/v1/changes", headers=remote.headers()).status_code == 403
    admin = app.test_client()
    login(admin, "admin")
    page = admin.get("/admin/").get_data(as_text=True)
    assert "Randers Kommune" in page and "Afventer godkendelse" in page
    approve(app, "randers-kommune")
    feed = client.get("/federation/v1/changes", headers=remote.headers()).get_json()
    assert {c["id"] for c in feed["changes"]} == {"aarhus-kommune:offentlig", "aarhus-kommune:bulletin"}


def test_peering_request_signed_by_another_key_is_refused(client):
    remote, impostor = RemoteNode(NEIGHBOUR), RemoteNode(NEIGHBOUR)
    response = client.post("/federation/v1/peering", json={"descriptor": own_descriptor(remote.settings, remote.key)},
                           headers=impostor.headers())
    assert response.status_code == 400 and response.is_json


def test_peering_request_with_this_nodes_own_id_is_refused_and_not_recorded(client, sessions):
    ours = NodeSettings("aarhus-kommune", "Aarhus Kommune", "municipality", "http://127.0.0.1:9", "0751")
    impostor = RemoteNode(ours)
    response = impostor.ask_to_peer(client)
    assert response.status_code == 400 and "eget id" in response.get_json()["error"]["message"]
    with sessions() as session:
        assert session.get(Peer, "aarhus-kommune") is None


def test_feed_needs_a_valid_token_for_this_node(app, client, users, published):
    remote = RemoteNode(NEIGHBOUR)
    remote.ask_to_peer(client)
    approve(app, "randers-kommune")
    assert client.get("/federation/v1/changes").status_code == 401
    assert client.get("/federation/v1/changes", headers=remote.headers(audience="dkr")).status_code == 401
    forged_token = issue_token(Ed25519PrivateKey.generate(), "randers-kommune", "aarhus-kommune")
    forged = {"Authorization": "Bearer " + forged_token}
    assert client.get("/federation/v1/changes", headers=forged).status_code == 401


def test_national_peer_never_sees_a_district_item_in_feed_or_bodies(app, client, users, published):
    remote = RemoteNode(NATIONAL)
    remote.ask_to_peer(client)
    approve(app, "dkr")
    feed = client.get("/federation/v1/changes", headers=remote.headers()).get_json()
    assert [c["id"] for c in feed["changes"]] == ["aarhus-kommune:offentlig"]
    asked = {"ids": ["aarhus-kommune:bulletin", "aarhus-kommune:offentlig"]}
    bodies = client.post("/federation/v1/envelopes", json=asked, headers=remote.headers()).get_json()
    assert [e["payload"]["id"] for e in bodies["envelopes"]] == ["aarhus-kommune:offentlig"]


def test_empty_poll_is_tiny_and_keeps_the_cursor(app, client, users, published):
    remote = RemoteNode(NEIGHBOUR)
    remote.ask_to_peer(client)
    approve(app, "randers-kommune")
    feed = client.get("/federation/v1/changes", headers=remote.headers()).get_json()
    head = feed["next"]
    response = client.get(f"/federation/v1/changes?since={head}", headers=remote.headers())
    assert response.get_json() == {"changes": [], "next": head, "more": False, "epoch": feed["epoch"]}
    assert len(response.data) < 100


def test_a_json_body_that_is_not_an_object_gets_400(app, client, users, published):
    remote = RemoteNode(NEIGHBOUR)
    remote.ask_to_peer(client)
    approve(app, "randers-kommune")
    for path in ("/federation/v1/envelopes", "/federation/v1/key-rotation", "/federation/v1/peering"):
        response = client.post(path, json=["not", "an", "object"], headers=remote.headers())
        assert response.status_code == 400 and response.is_json, path


def test_an_approved_peer_cannot_change_its_kind_or_place_by_asking_again(app, client, users):
    remote = RemoteNode(NEIGHBOUR)
    remote.ask_to_peer(client)
    approve(app, "randers-kommune")
    remote.settings = NodeSettings("randers-kommune", "Randers", "national", "http://127.0.0.1:9")
    assert remote.ask_to_peer(client).status_code == 400


BAD_BODIES = [("[" * 200_000, "for dybt indlejret"), ('{"descriptor": ', "ikke gyldig JSON")]


@pytest.mark.parametrize("body, reason", BAD_BODIES)
def test_a_deeply_nested_or_broken_json_body_is_a_400_naming_the_reason(app, client, users, tokens, body, reason):
    remote = RemoteNode(NEIGHBOUR)
    remote.ask_to_peer(client)
    approve(app, "randers-kommune")
    calls = [("/federation/v1/peering", {}), ("/federation/v1/envelopes", remote.headers()),
             ("/api/v1/items", {"Authorization": f"Bearer {tokens['editor']}"})]
    for path, headers in calls:
        response = client.post(path, data=body, content_type="application/json", headers=headers)
        assert response.status_code == 400, path
        assert reason in response.get_json()["error"]["message"]


def test_a_replayed_or_rebound_token_is_refused(app, client, users, published):
    remote = RemoteNode(NEIGHBOUR)
    remote.ask_to_peer(client)
    approve(app, "randers-kommune")
    headers = remote.headers()
    assert client.get("/federation/v1/changes", headers=headers).status_code == 200
    replayed = client.get("/federation/v1/changes", headers=headers)
    assert replayed.status_code == 401 and "already used" in replayed.get_json()["error"]["message"]
    bound = issue_token(remote.key, "randers-kommune", "aarhus-kommune", method="GET",
                        url="http://127.0.0.1:9/federation/v1/changes")
    elsewhere = client.post("/federation/v1/notify", json={}, headers={"Authorization": "Bearer " + bound})
    assert elsewhere.status_code == 401 and "another request" in elsewhere.get_json()["error"]["message"]


def test_a_stranger_cannot_tell_which_nodes_are_peers_from_the_refusals(client, published):
    # Before, an unknown id got 403 before its signature was checked, and a pending one the same: the split
    # between 401 and 403 told anyone who was a peer. Now every token that does not verify gets one answer.
    pending, forger = RemoteNode(NEIGHBOUR), RemoteNode(NEIGHBOUR)
    assert pending.ask_to_peer(client).status_code == 202
    stranger = RemoteNode(NodeSettings("ukendt-kommune", "Ukendt", "municipality", "http://127.0.0.1:9", "0101"))
    answers = [client.get("/federation/v1/changes", headers=node.headers()) for node in (forger, stranger)]
    assert [a.status_code for a in answers] == [401, 401]
    assert answers[0].get_json() == answers[1].get_json()
    garbled = [{"Authorization": f"Bearer e30.{b64url(json.dumps({'iss': node}).encode())}.!!"}
               for node in ("randers-kommune", "ukendt-kommune")]
    refusals = [client.get("/federation/v1/changes", headers=headers) for headers in garbled]
    assert refusals[0].status_code == 401 and refusals[0].get_json() == refusals[1].get_json()
    # The pending node itself, with its own key, learns that it is not approved yet.
    assert client.get("/federation/v1/changes", headers=pending.headers()).status_code == 403
