"""Fail-closed access: restricted content is not shown when its access cannot be written to the audit log."""

from __future__ import annotations

from sqlalchemy import text

from tests.helpers.nodes import publish
from tests.helpers.web import api_tokens, auth, login


def break_the_audit_log(sessions) -> None:
    with sessions.begin() as session:
        session.execute(text("DROP TABLE audit_event_items"))


def test_a_restricted_item_page_answers_503_in_danish_and_shows_nothing_when_the_log_refuses(client, sessions, users):
    publish(sessions, "lukket", audience="network", summary="Fortroligt resumé")
    login(client, "reader")
    break_the_audit_log(sessions)
    page = client.get("/items/aarhus-kommune:lukket")
    assert page.status_code == 503
    html = page.get_data(as_text=True)
    assert "kunne ikke skrives i logbogen" in html and "Fortroligt resumé" not in html


def test_the_api_answers_503_as_json_when_the_log_refuses(client, sessions, users):
    publish(sessions, "lukket", audience="network")
    token = api_tokens(sessions)["reader"]
    break_the_audit_log(sessions)
    answer = client.get("/api/v1/items/aarhus-kommune:lukket", headers=auth(token))
    assert answer.status_code == 503 and "logbogen" in answer.json["error"]["message"]


def test_a_public_item_is_shown_even_when_the_log_refuses(client, sessions, users):
    publish(sessions, "aaben")
    login(client, "reader")
    break_the_audit_log(sessions)
    assert client.get("/items/aarhus-kommune:aaben").status_code == 200
