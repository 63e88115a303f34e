"""Anonymous visitors see only public, published, unexpired items, in pages and in the API."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from node.core.models import Item, utcnow
from node.items.files import import_items
from node.items.publishing import create_draft, retract
from node.items.schema import validate_item
from tests.helpers.nodes import acting_node
from tests.helpers.web import login

BY = acting_node("aarhus-kommune")
HIDDEN = {
    "netvaerk": "network",
    "kreds": {"districts": ["Østjyllands Politi"]},
    "noder": {"nodes": ["randers-kommune"]},
}


def _line(local_id: str, audience) -> str:
    return json.dumps({"id": local_id, "type": "practice", "title": f"Titel {local_id}",
                       "summary": f"Resumé {local_id}", "audience": audience,
                       "municipalities": ["0751"]}, ensure_ascii=False)


@pytest.fixture
def mixed_items(sessions):
    """One public item, one per restricted audience, a draft, a retracted and an expired item."""
    lines = [_line("offentlig", "public"), _line("tilbagetrukket", "public"), _line("udloebet", "public")]
    lines += [_line(local_id, audience) for local_id, audience in HIDDEN.items()]
    with sessions.begin() as session:
        import_items(session, BY, lines)
        retract(session, session.get(Item, "aarhus-kommune:tilbagetrukket"), BY)
        session.get(Item, "aarhus-kommune:udloebet").expires_at = utcnow() - timedelta(minutes=1)
        draft = validate_item(json.loads(_line("kladde", "public")), node_id="aarhus-kommune")
        create_draft(session, BY, draft)
    return ["aarhus-kommune:" + x for x in [*HIDDEN, "kladde", "tilbagetrukket", "udloebet"]]


def test_anonymous_api_list_holds_only_the_public_item(client, mixed_items):
    body = client.get("/api/v1/items").get_json()
    assert [i["id"] for i in body["items"]] == ["aarhus-kommune:offentlig"]
    assert body["total"] == 1


def test_anonymous_api_gets_404_for_every_non_public_item(client, mixed_items):
    for item_id in mixed_items:
        response = client.get(f"/api/v1/items/{item_id}")
        assert response.status_code == 404, item_id
        assert response.get_json()["error"]["status"] == 404


def test_anonymous_pages_never_show_non_public_items(client, mixed_items):
    pages = [client.get(p).get_data(as_text=True) for p in ("/", "/praksis", "/praksis?municipality=0751")]
    for item_id in mixed_items:
        answer = client.get(f"/items/{item_id}")
        title = "Titel " + item_id.split(":")[1]
        # A retracted public item says it is gone (410), and no more than that; every other stays 404.
        assert answer.status_code == (410 if item_id.endswith(":tilbagetrukket") else 404), item_id
        assert title not in answer.get_data(as_text=True), item_id
        assert all(title not in page for page in pages), item_id
    assert all("Titel offentlig" in page for page in pages)


def test_anonymous_api_cannot_list_drafts_with_a_status_filter(client, mixed_items):
    for status in ("draft", "retracted", "expired"):
        assert client.get(f"/api/v1/items?status={status}").get_json()["items"] == []


def test_logged_in_reader_sees_restricted_but_not_drafts_or_retracted(client, users, mixed_items):
    login(client, "reader")
    ids = {i["id"] for i in client.get("/api/v1/items").get_json()["items"]}
    assert ids == {"aarhus-kommune:offentlig", *("aarhus-kommune:" + x for x in HIDDEN)}
    assert client.get("/items/aarhus-kommune:kreds").status_code == 200
    assert client.get("/items/aarhus-kommune:kladde").status_code == 404


def test_editor_sees_drafts_through_status_filter(client, users, mixed_items):
    login(client, "editor")
    ids = [i["id"] for i in client.get("/api/v1/items?status=draft").get_json()["items"]]
    assert ids == ["aarhus-kommune:kladde"]
