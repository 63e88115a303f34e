"""Destructive acts ask first: each confirmation page says what happens across the network, and each POST
refuses (400, nothing changed) without the confirmation page's `bekraeftet=ja`."""

from __future__ import annotations

import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select

from federation.models import Peer, PeerState
from federation.peering import approve_peer, change_peer
from federation.tokens import issue_token
from federation.trust import own_descriptor
from node.core.config import NodeSettings
from node.core.models import FeedSubscription, Item, ItemStatus
from node.items.files import import_items
from node.subscriptions.service import subscribe
from tests.helpers.danish_text import danish_leftovers
from tests.helpers.nodes import acting_node
from tests.helpers.web import csrf_token, login

RANDERS = NodeSettings("randers-kommune", "Randers Kommune", "municipality", "http://127.0.0.1:9", "0730")
ITEM_ID = "aarhus-kommune:mentorordning"


@pytest.fixture
def admin(app, users):
    client = app.test_client()
    login(client, "admin")
    return client


@pytest.fixture
def published(sessions):
    """A public method published by this node."""
    line = {"id": ITEM_ID, "type": "method", "title": "Mentorordning for unge", "summary": "x", "audience": "public"}
    with sessions.begin() as session:
        import_items(session, acting_node(), [json.dumps(line, ensure_ascii=False)])


@pytest.fixture
def feed(sessions) -> int:
    """A subscription to an external feed."""
    with sessions.begin() as session:
        return subscribe(session, "https://dkr.example/feed").id


def ask_to_peer(client) -> None:
    """Randers asks this node to peer (it is then pending)."""
    key = Ed25519PrivateKey.generate()
    headers = {"Authorization": "Bearer " + issue_token(key, RANDERS.id, "aarhus-kommune")}
    response = client.post("/federation/v1/peering", json={"descriptor": own_descriptor(RANDERS, key)},
                           headers=headers)
    assert response.status_code == 202


def peer_state(sessions) -> str | None:
    with sessions() as session:
        peer = session.get(Peer, RANDERS.id)
        return peer.state if peer else None


def confirm(client, page: str, confirmed: bool):
    """Post the form of a confirmation page, with or without its `bekraeftet=ja`."""
    html = client.get(page).get_data(as_text=True)
    data = {"csrf_token": csrf_token(html), **({"bekraeftet": "ja"} if confirmed else {})}
    return client.post(page, data=data)


def test_retract_page_says_it_reaches_every_copy_and_cannot_be_undone(admin, published):
    html = admin.get(f"/items/{ITEM_ID}/tilbagetraek").get_data(as_text=True)
    assert ("»Mentorordning for unge« trækkes tilbage på denne node og hos alle noder, der har en kopi." in html
            and "Det kan ikke fortrydes." in html)
    assert "Ja, træk tilbage" in html and 'name="bekraeftet" value="ja"' in html
    assert f'href="/items/{ITEM_ID}">Fortryd</a>' in html


def test_the_item_page_links_to_the_retract_confirmation_instead_of_retracting(admin, published):
    html = admin.get(f"/items/{ITEM_ID}").get_data(as_text=True)
    assert f'href="/items/{ITEM_ID}/tilbagetraek">Træk tilbage</a>' in html
    assert f'action="/items/{ITEM_ID}/tilbagetraek"' not in html


def test_retract_without_confirmation_is_refused_and_with_it_is_done(admin, published, sessions):
    refused = confirm(admin, f"/items/{ITEM_ID}/tilbagetraek", confirmed=False)
    assert refused.status_code == 400 and "ikke bekræftet" in refused.get_data(as_text=True)
    with sessions() as session:
        assert session.get(Item, ITEM_ID).status == ItemStatus.PUBLISHED
    assert confirm(admin, f"/items/{ITEM_ID}/tilbagetraek", confirmed=True).status_code == 302
    with sessions() as session:
        assert session.get(Item, ITEM_ID).status == ItemStatus.RETRACTED


def test_unsubscribe_page_says_what_stops_and_what_stays(admin, feed):
    html = admin.get(f"/admin/feeds/{feed}/afmeld").get_data(as_text=True)
    assert "Abonnementet på »https://dkr.example/feed« afmeldes." in html
    assert "nye indslag når heller ikke ud til de andre noder" in html and "Ja, afmeld" in html
    assert f'href="/admin/feeds/{feed}/afmeld">Afmeld' in admin.get("/admin/").get_data(as_text=True)


def test_unsubscribe_without_confirmation_is_refused_and_with_it_is_done(admin, feed, sessions):
    assert confirm(admin, f"/admin/feeds/{feed}/afmeld", confirmed=False).status_code == 400
    with sessions() as session:
        assert session.scalars(select(FeedSubscription.id)).all() == [feed]
    assert confirm(admin, f"/admin/feeds/{feed}/afmeld", confirmed=True).status_code == 302
    with sessions() as session:
        assert session.scalars(select(FeedSubscription.id)).all() == []


def test_block_page_says_the_peer_is_cut_off_and_its_relayed_items_go(admin, client, sessions):
    ask_to_peer(client)
    with sessions.begin() as session:
        approve_peer(session, RANDERS.id)
    html = admin.get(f"/admin/peers/{RANDERS.id}/bloker").get_data(as_text=True)
    assert "Randers Kommune blokeres." in html and "Det kan ikke fortrydes" in html and "Ja, bloker" in html
    assert f'href="/admin/peers/{RANDERS.id}/bloker">Bloker' in admin.get("/admin/").get_data(as_text=True)


def test_the_block_page_in_english_names_the_peer_marked_danish_and_the_refusal_is_english(admin, client, sessions):
    ask_to_peer(client)
    with sessions.begin() as session:
        approve_peer(session, RANDERS.id)
    admin.get("/")  # uses up the login's message, which is not this page's
    admin.set_cookie("sprog", "en")
    html = admin.get(f"/admin/peers/{RANDERS.id}/bloker").get_data(as_text=True)
    assert '<h1>Block <span lang="da">Randers Kommune</span>?</h1>' in html and "Yes, block" in html
    assert "<title>Block Randers Kommune? · Aarhus Kommune</title>" in html and ">Cancel</a>" in html
    assert danish_leftovers(html) == []
    refused = confirm(admin, f"/admin/peers/{RANDERS.id}/bloker", confirmed=False)
    assert refused.status_code == 400 and "The action was not confirmed" in refused.get_data(as_text=True)


def test_block_without_confirmation_is_refused_and_with_it_is_done(admin, client, sessions):
    ask_to_peer(client)
    with sessions.begin() as session:
        approve_peer(session, RANDERS.id)
    assert confirm(admin, f"/admin/peers/{RANDERS.id}/bloker", confirmed=False).status_code == 400
    assert peer_state(sessions) == PeerState.APPROVED
    assert confirm(admin, f"/admin/peers/{RANDERS.id}/bloker", confirmed=True).status_code == 302
    assert peer_state(sessions) == PeerState.BLOCKED


def test_refusing_a_pending_request_asks_first_and_then_forgets_the_node(admin, client, sessions):
    ask_to_peer(client)
    html = admin.get(f"/admin/peers/{RANDERS.id}/fjern").get_data(as_text=True)
    assert "Anmodningen fra Randers Kommune om at blive peer afvises" in html and "Ja, afvis" in html
    assert confirm(admin, f"/admin/peers/{RANDERS.id}/fjern", confirmed=False).status_code == 400
    assert peer_state(sessions) == PeerState.PENDING
    assert confirm(admin, f"/admin/peers/{RANDERS.id}/fjern", confirmed=True).status_code == 302
    assert peer_state(sessions) is None


def test_removing_a_blocked_peer_says_it_may_ask_again_and_needs_confirmation(admin, client, sessions):
    ask_to_peer(client)
    with sessions.begin() as session:
        change_peer(session, RANDERS.id, "block")
    html = admin.get(f"/admin/peers/{RANDERS.id}/fjern").get_data(as_text=True)
    assert "blokeringen ophæves, så noden kan anmode om at blive peer igen" in html and "Ja, fjern" in html
    assert confirm(admin, f"/admin/peers/{RANDERS.id}/fjern", confirmed=False).status_code == 400
    assert peer_state(sessions) == PeerState.BLOCKED
    assert confirm(admin, f"/admin/peers/{RANDERS.id}/fjern", confirmed=True).status_code == 302
    assert peer_state(sessions) is None


def test_pausing_a_peer_is_not_destructive_and_needs_no_confirmation(admin, client, sessions):
    ask_to_peer(client)
    with sessions.begin() as session:
        approve_peer(session, RANDERS.id)
    token = csrf_token(admin.get("/admin/").get_data(as_text=True))
    assert admin.post(f"/admin/peers/{RANDERS.id}/pause", data={"csrf_token": token}).status_code == 302
    assert peer_state(sessions) == PeerState.SUSPENDED


def test_confirmation_pages_are_for_their_roles_only(app, users, published, feed):
    reader, publisher = app.test_client(), app.test_client()
    login(reader, "reader")
    login(publisher, "publisher")
    assert reader.get(f"/items/{ITEM_ID}/tilbagetraek").status_code == 403
    assert publisher.get(f"/admin/feeds/{feed}/afmeld").status_code == 403
    assert app.test_client().get(f"/items/{ITEM_ID}/tilbagetraek").status_code == 302
