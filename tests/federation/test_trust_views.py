"""Trust on the wire and on the admin page: `/nodes/<id>` carries the endorsements a key was accepted on,
contradictions are shown in Danish with node names, and an admin marks a peer as an introducer."""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from federation.alerts import record_key_conflict
from federation.models import Peer
from federation.tokens import issue_token
from federation.trust import check_descriptor, endorse, own_descriptor, remember_node
from node.core.config import NodeSettings
from tests.helpers.web import csrf_token, login

FAVRSKOV = NodeSettings("favrskov-kommune", "Favrskov Kommune", "municipality", "http://127.0.0.1:9", "0710")
RANDERS = NodeSettings("randers-kommune", "Randers Kommune", "municipality", "http://127.0.0.1:9", "0730")
POLITI = NodeSettings("oestjyllands-politi", "Østjyllands Politi", "police", "http://127.0.0.1:9",
                      district="Østjyllands Politi")
KEYS = {s.id: Ed25519PrivateKey.generate() for s in (FAVRSKOV, RANDERS, POLITI)}


def admin_client(app):
    admin = app.test_client()
    login(admin, "admin")
    return admin


def peered(app, settings: NodeSettings) -> None:
    """`settings`' node asks to peer and the admin approves it."""
    app.test_client().post("/federation/v1/peering", json={"descriptor": own_descriptor(settings, KEYS[settings.id])},
                           headers={"Authorization": "Bearer " + issue_token(KEYS[settings.id], settings.id,
                                                                             "aarhus-kommune")})
    admin = admin_client(app)
    token = csrf_token(admin.get("/admin/").get_data(as_text=True))
    assert admin.post(f"/admin/peers/{settings.id}/godkend", data={"csrf_token": token}).status_code == 302


def test_the_nodes_answer_carries_a_fresh_endorsement_and_those_the_key_was_accepted_on(app, sessions, users):
    peered(app, RANDERS)
    old = check_descriptor(own_descriptor(FAVRSKOV, KEYS[FAVRSKOV.id]))
    descriptor = check_descriptor(own_descriptor(FAVRSKOV, KEYS[FAVRSKOV.id]))
    accepted_on = [endorse(descriptor, POLITI.id, KEYS[POLITI.id]), endorse(old, RANDERS.id, KEYS[RANDERS.id])]
    with sessions.begin() as session:
        remember_node(session, descriptor, "oestjyllands-politi,randers-kommune", accepted_on)
    headers = {"Authorization": "Bearer " + issue_token(KEYS[RANDERS.id], RANDERS.id, "aarhus-kommune")}
    body = app.test_client().get(f"/federation/v1/nodes/{FAVRSKOV.id}", headers=headers).get_json()
    assert [e["payload"]["origin"] for e in body["endorsements"]] == ["aarhus-kommune", POLITI.id]
    # The endorsement of another descriptor (an earlier `issued_at`) names nothing the answer holds: left out.
    assert all(e["payload"]["descriptor"] == body["endorsements"][0]["payload"]["descriptor"]
               for e in body["endorsements"])


def test_a_key_conflict_is_shown_on_the_admin_page_with_node_names_in_danish(app, sessions, users):
    peered(app, RANDERS)
    with sessions.begin() as session:
        remember_node(session, check_descriptor(own_descriptor(FAVRSKOV, KEYS[FAVRSKOV.id])), vouched_by="test")
        record_key_conflict(session, FAVRSKOV.id, "ægte-nøgle", [{"by": RANDERS.id, "key": "falsk-nøgle",
                                                                  "at": "2026-12-01T09:00:00Z"}],
                            [(RANDERS.id, {"descriptor": {"payload": {"id": FAVRSKOV.id}}})], RANDERS.id)
    page = admin_client(app).get("/admin/").get_data(as_text=True)
    assert "Forskellige nøgler er anbefalet for Favrskov Kommune, set i svaret fra Randers Kommune." in page
    assert ('Randers Kommune: nøgle <code title="falsk-nøgle">falsk-nøgle…</code> (underskrevet '
            '<time datetime="2026-12-01T09:00:00+00:00">1. december 2026 kl. 10.00</time>)') in page
    assert "Ingen ny nøgle er taget i brug." in page


def test_an_admin_marks_a_peer_as_introducer_and_back_on_the_admin_page(app, sessions, users):
    peered(app, POLITI)
    admin = admin_client(app)
    for wanted, expected in (("til", True), ("fra", False)):
        token = csrf_token(admin.get("/admin/").get_data(as_text=True))
        response = admin.post(f"/admin/peers/{POLITI.id}/anbefaler", data={"csrf_token": token, "anbefaler": wanted})
        assert response.status_code == 302
        with sessions() as session:
            assert session.get(Peer, POLITI.id).introducer is expected
    assert "Kun sammen med en anden peer" in admin.get("/admin/").get_data(as_text=True)
