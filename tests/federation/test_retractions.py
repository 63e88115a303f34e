"""What a node says about a retracted item: 410 with the origin's name and the time, on the origin and on a node
that held a replica, and nothing at all (404) to a viewer outside the item's audience."""

from __future__ import annotations

import json

import pytest

from federation.ingest import ingest
from federation.wire import seal, tombstone_payload
from node.items.files import import_items
from node.items.publishing import find_item, retract
from tests.helpers.envelopes import ME, ORIGIN_KEY, envelope, know_origin
from tests.helpers.nodes import SINKS, acting_node
from tests.helpers.web import login

DISTRICTS = {"districts": ["Østjyllands Politi"]}


def publish_here(sessions, local_id: str, audience) -> str:
    """Publish then retract a method of this node (Aarhus); returns its id."""
    line = {"id": local_id, "type": "method", "title": f"Metode {local_id}", "summary": "x", "audience": audience}
    with sessions.begin() as session:
        import_items(session, acting_node(), [json.dumps(line, ensure_ascii=False)])
        retract(session, find_item(session, f"aarhus-kommune:{local_id}"), acting_node())
    return f"aarhus-kommune:{local_id}"


def replica_retracted(sessions, reason: str = "retracted", **content) -> str:
    """A Randers method held here as a replica, then its origin's signed tombstone; returns its id."""
    tombstone = seal(tombstone_payload("randers-kommune:plan", "randers-kommune", 1, reason,
                                       "2026-11-02T13:05:00Z"), ORIGIN_KEY)
    with sessions.begin() as session:
        know_origin(session)
        ingest(session, envelope(1, **content), "randers-kommune", ME, SINKS)
        ingest(session, tombstone, "randers-kommune", ME, SINKS)
    return "randers-kommune:plan"


@pytest.fixture
def reader(app, users):
    client = app.test_client()
    login(client, "reader")
    return client


def test_a_public_item_retracted_here_answers_410_naming_this_node(client, sessions):
    item_id = publish_here(sessions, "mentor", "public")
    gone = client.get(f"/items/{item_id}")
    assert gone.status_code == 410
    html = gone.get_data(as_text=True)
    assert "Trukket tilbage af Aarhus Kommune den " in html and "Metode mentor" not in html


def test_a_replica_retracted_by_its_origin_answers_410_with_the_origins_name_and_time_in_danish(client, sessions):
    item_id = replica_retracted(sessions)
    gone = client.get(f"/items/{item_id}")
    assert gone.status_code == 410
    assert "Trukket tilbage af Randers Kommune den 2. november 2026 kl. 14.05." in gone.get_data(as_text=True)


def test_a_restricted_retracted_item_stays_404_for_an_anonymous_visitor_and_is_410_for_a_user(
        client, reader, sessions):
    here = publish_here(sessions, "lukket", DISTRICTS)
    replica = replica_retracted(sessions, audience=DISTRICTS)
    for item_id in (here, replica):
        answer = client.get(f"/items/{item_id}")
        assert answer.status_code == 404 and "Trukket tilbage" not in answer.get_data(as_text=True)
        assert reader.get(f"/items/{item_id}").status_code == 410


def test_a_tombstone_for_an_item_never_held_here_says_nothing(reader, sessions):
    tombstone = seal(tombstone_payload("randers-kommune:andet", "randers-kommune", 3, "retracted",
                                       "2026-11-02T13:05:00Z"), ORIGIN_KEY)
    with sessions.begin() as session:
        know_origin(session)
        ingest(session, tombstone, "randers-kommune", ME, SINKS)
    assert reader.get("/items/randers-kommune:andet").status_code == 404


def test_an_expired_replica_is_no_retraction_and_stays_404(reader, sessions):
    item_id = replica_retracted(sessions, reason="expired")
    assert reader.get(f"/items/{item_id}").status_code == 404
