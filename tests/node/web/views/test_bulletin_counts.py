"""Small counts in bulletins: suppressed in what the node stores, shows on pages, answers in the API and signs."""

from __future__ import annotations

import json
import re

from sqlalchemy import select

from federation.models import Envelope
from node.core.models import utcnow
from node.items.files import import_items
from node.items.replicas import Replica, replace_replicas
from node.items.schema import validate_item
from tests.helpers.nodes import SINKS, acting_node
from tests.helpers.web import auth, csrf_token, login

OBSERVATIONS = [{"label": "Episoder ved stationen", "count": 18}, {"label": "Trusler mod andre unge", "count": 3},
                {"label": "Røverier af mobiltelefoner", "count": 6}, {"label": "I alt", "count": 27, "total": True}]
BULLETIN = {"type": "bulletin", "title": "Unge grupper ved stationen", "summary": "Flere episoder om aftenen.",
            "police_districts": ["Østjyllands Politi"], "details": {"observations": OBSERVATIONS}}


def import_bulletin(sessions, local_id: str = "stationen") -> str:
    with sessions.begin() as session:
        import_items(session, acting_node(), [json.dumps({**BULLETIN, "id": local_id}, ensure_ascii=False)])
    return f"aarhus-kommune:{local_id}"


def test_signed_federation_body_of_a_bulletin_holds_no_small_count(sessions):
    item_id = import_bulletin(sessions)
    with sessions() as session:
        envelope = session.scalar(select(Envelope).where(Envelope.item_id == item_id))
        observations = json.loads(envelope.envelope)["payload"]["content"]["details"]["observations"]
    assert [o["count"] for o in observations] == [18, None, None, 27]
    assert observations[1]["under"] == 5 and observations[2]["hidden"] is True


def test_item_page_shows_under_five_and_hidden_never_the_number(client, users, sessions):
    item_id = import_bulletin(sessions)
    login(client, "reader")
    html = client.get(f"/items/{item_id}").get_data(as_text=True)
    assert "<td>under 5</td>" in html and "<td>skjult</td>" in html and "<td>27</td>" in html
    assert "<td>3</td>" not in html and "<td>6</td>" not in html


def test_peers_bulletin_with_exact_small_counts_is_suppressed_on_page_and_in_api(client, users, sessions, tokens):  # noqa: F811
    item_id = "randers-kommune:station"
    content = validate_item({**BULLETIN, "id": item_id}, node_id="randers-kommune")  # as signed by a careless peer
    with sessions.begin() as session:
        replace_replicas(session, {item_id: Replica(item_id, "randers-kommune", 1, utcnow(), content)}, SINKS)
    api = client.get(f"/api/v1/items/{item_id}", headers=auth(tokens["reader"])).json
    assert [o["count"] for o in api["details"]["observations"]] == [18, None, None, 27]
    login(client, "reader")
    html = client.get(f"/items/{item_id}").get_data(as_text=True)
    assert "<td>under 5</td>" in html and "<td>3</td>" not in html


def test_search_document_of_a_bulletin_carries_labels_but_no_counts(sessions):
    from node.core.models import Item
    from search.documents import to_document

    item_id = import_bulletin(sessions)
    with sessions() as session:
        document = to_document(session.get(Item, item_id))
    assert "Trusler mod andre unge" in document["details"] and "18" not in document["details"]


def test_editor_form_keeps_suppressed_counts_and_the_total_through_an_edit(client, users):
    login(client, "editor")
    token = csrf_token(client.get("/ny/bulletin").get_data(as_text=True))
    lines = "Episoder | 18\nTrusler | 2\nRøverier | 9\nI alt | 29"
    form = {"title": "Unge ved stationen", "summary": "Flere episoder.", "audience_kind": "districts",
            "audience_districts": ["Østjyllands Politi"], "d_observations": lines, "csrf_token": token}
    preview = client.post("/ny/bulletin", data={**form, "action": "preview"}).get_data(as_text=True)
    response = client.post("/ny/bulletin", data={**form, "previewed": previewed_hash(preview)})
    edit = client.get(response.headers["Location"] + "/rediger").get_data(as_text=True)
    assert "Episoder | 18\nTrusler | under 5\nRøverier | skjult\nI alt | 29" in edit
    token = csrf_token(edit)
    resaved = client.post(response.headers["Location"] + "/rediger", data={
        "title": "Unge ved stationen", "summary": "Flere episoder.", "audience_kind": "districts",
        "audience_districts": ["Østjyllands Politi"], "d_observations": "Episoder | 18\nTrusler | under 5\n"
        "Røverier | skjult\nI alt | 29", "csrf_token": token})
    assert resaved.status_code == 302


def previewed_hash(html: str) -> str:
    """The content hash a preview page carries for saving exactly what it showed."""
    return re.search(r'name="previewed" value="([0-9a-f]+)"', html).group(1)


def test_new_bulletin_form_preselects_the_nodes_own_police_district(client, users):
    login(client, "editor")
    html = client.get("/ny/bulletin").get_data(as_text=True)
    assert "<option selected>Østjyllands Politi</option>" in html
