"""The plan page's "Tilslutninger": who has endorsed which version, and the publisher's endorse button."""

from __future__ import annotations

import html
import json

from sqlalchemy import func, select

from federation.models import Envelope
from node.items.files import import_items
from tests.helpers.nodes import acting_node
from tests.helpers.web import csrf_token, login

PLAN_ID = "aarhus-kommune:faelles-plan"
BUTTON = "Tilslut kommunen til version"


def publish_plan(sessions, participants=("0751", "0730"), **fields) -> None:
    line = {"id": "faelles-plan", "type": "plan", "title": "Fælles handleplan", "summary": "Aarhus og Randers.",
            "audience": "public", "details": {"participating_municipalities": list(participants)}, **fields}
    with sessions.begin() as session:
        import_items(session, acting_node(), [json.dumps(line, ensure_ascii=False)])


def page(client) -> str:
    return html.unescape(client.get(f"/items/{PLAN_ID}").get_data(as_text=True))


def endorse(client):
    token = csrf_token(client.get(f"/items/{PLAN_ID}").get_data(as_text=True))
    return client.post(f"/items/{PLAN_ID}/tilslut", data={"csrf_token": token})


def endorsement_count(sessions) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(Envelope).where(Envelope.kind == "plan-endorsement"))


def test_plan_page_lists_every_participating_municipality_as_not_yet_endorsed(client, users, sessions):
    publish_plan(sessions)
    text = page(client)
    assert "Tilslutninger" in text and "(0751)" not in text  # municipalities by name, the code only on hover
    assert '<span title="Kommunekode 0751">Aarhus</span>' in text
    assert '<span title="Kommunekode 0730">Randers</span>' in text
    assert text.count("Ikke tilsluttet endnu") == 2
    assert BUTTON not in text  # anonymous visitors get no button
    login(client, "editor")
    assert BUTTON not in page(client)


def test_a_publisher_endorses_the_current_version_and_the_page_shows_it_once(client, users, sessions):
    publish_plan(sessions)
    login(client, "publisher")
    assert f"{BUTTON} 1" in page(client)
    response = endorse(client)
    assert response.status_code == 302
    text = page(client)
    assert "Kommunen er tilsluttet version 1 af planen." in text
    assert '<span title="aarhus-kommune">Aarhus Kommune</span>' in text and "Version 1" in text
    assert text.count("Ikke tilsluttet endnu") == 1  # Randers has not
    assert BUTTON not in text
    assert endorse(client).status_code == 302 and endorsement_count(sessions) == 1  # a second time changes nothing


def test_after_a_new_plan_version_the_old_endorsement_is_marked_and_the_button_offers_the_new_one(
        client, users, sessions):
    publish_plan(sessions)
    login(client, "publisher")
    endorse(client)
    publish_plan(sessions, summary="Aarhus og Randers, revideret.")
    text = page(client)
    assert "Version 1 ældre version" in " ".join(text.replace("<span class=\"badge badge-state\">", "").split())
    assert f"{BUTTON} 2" in text
    endorse(client)
    assert endorsement_count(sessions) == 2


def test_an_editor_may_not_endorse_and_nothing_is_stored(client, users, sessions):
    publish_plan(sessions)
    login(client, "editor")
    assert endorse(client).status_code == 403
    assert endorsement_count(sessions) == 0


def test_a_plan_this_municipality_does_not_take_part_in_offers_no_button_and_refuses_in_danish(client, users, sessions):
    publish_plan(sessions, participants=("0730",), municipalities=["0730"])
    login(client, "publisher")
    assert BUTTON not in page(client)
    response = endorse(client)
    assert response.status_code == 409
    text = html.unescape(response.get_data(as_text=True))
    assert "denne node tilhører ikke en af planens deltagende kommuner" in text
    assert endorsement_count(sessions) == 0


def test_the_api_shows_a_plans_endorsements_and_other_items_have_none(client, users, sessions):
    publish_plan(sessions)
    login(client, "publisher")
    endorse(client)
    [endorsement] = client.get(f"/api/v1/items/{PLAN_ID}").get_json()["endorsements"]
    assert {k: endorsement[k] for k in ("municipality", "municipality_name", "endorser", "version", "current")} == {
        "municipality": "0751", "municipality_name": "Aarhus", "endorser": "aarhus-kommune", "version": 1,
        "current": True}
    assert len(endorsement["plan_digest"]) == 64
