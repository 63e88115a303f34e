"""The JSON API: reading with paging and filters, writing with tokens and roles, JSON errors."""

from __future__ import annotations

import json
import sqlite3
import time

from node.items.files import import_items
from node.items.queries import TOTAL_CAP
from tests.helpers.nodes import acting_node
from tests.helpers.web import auth

ITEM = {"id": "mentorordning", "type": "method", "title": "Mentorordning for unge",
        "summary": "En voksen mentor følger den unge i et år.", "audience": "public",
        "details": {"steps": ["Match", "Første møde"]}}


def test_item_list_pages_with_a_next_link_and_filters_by_type(client, sessions, config):
    lines = [json.dumps({**ITEM, "id": f"m{n}", "title": f"Metode {n}"}) for n in range(config.page_size + 5)]
    lines.append(json.dumps({**ITEM, "id": "p1", "type": "practice", "details": {}}))
    with sessions.begin() as session:
        import_items(session, acting_node("aarhus-kommune"), lines)
    first = client.get("/api/v1/items?type=method").get_json()
    assert first["total"] == config.page_size + 5 and len(first["items"]) == config.page_size
    assert first["next"].endswith("page=2") and "type=method" in first["next"]
    second = client.get(first["next"].replace("http://127.0.0.1:8080", "")).get_json()
    assert len(second["items"]) == 5 and second["next"] is None
    assert {i["type"] for i in first["items"] + second["items"]} == {"method"}


def test_item_list_total_is_exact_up_to_the_cap_and_beyond_it_a_lower_bound_that_says_so(client, sessions):
    lines = [json.dumps({**ITEM, "id": f"m{n}"}) for n in range(TOTAL_CAP + 1)]
    with sessions.begin() as session:
        import_items(session, acting_node("aarhus-kommune"), lines[:-1])
    at_cap = client.get("/api/v1/items").get_json()
    with sessions.begin() as session:
        import_items(session, acting_node("aarhus-kommune"), lines[-1:])
    over = client.get("/api/v1/items").get_json()
    assert (at_cap["total"], at_cap["total_exact"]) == (TOTAL_CAP, True)
    assert (over["total"], over["total_exact"], over["next"] is not None) == (TOTAL_CAP, False, True)


def test_links_are_built_from_the_configured_url_whatever_host_the_client_names(client, sessions, config):
    lines = [json.dumps({**ITEM, "id": f"m{n}"}) for n in range(config.page_size + 1)]
    with sessions.begin() as session:
        import_items(session, acting_node("aarhus-kommune"), lines)
    page = client.get("/api/v1/items", headers={"Host": "evil.example", "X-Forwarded-Host": "evil.example"}).get_json()
    assert page["next"].startswith("http://127.0.0.1:8080/api/v1/items?")
    assert all(i["url"].startswith("http://127.0.0.1:8080/items/") for i in page["items"])
    feed = client.get("/feeds/alle.atom", headers={"Host": "evil.example"}).get_data(as_text=True)
    assert "evil.example" not in feed and "http://127.0.0.1:8080/items/aarhus-kommune:m0" in feed


def test_item_json_has_the_contract_fields(client, sessions):
    with sessions.begin() as session:
        import_items(session, acting_node("aarhus-kommune"), [json.dumps(ITEM, ensure_ascii=False)])
    item = client.get("/api/v1/items/aarhus-kommune:mentorordning").get_json()
    for key in ("id", "type", "title", "summary", "url", "origin", "version", "audience", "tags",
                "municipalities", "police_districts", "prevention_level", "target_groups", "cooperation",
                "expires_at", "details", "status", "created_at", "updated_at", "body_html"):
        assert key in item, key
    assert item["url"] == "http://127.0.0.1:8080/items/aarhus-kommune:mentorordning"
    assert (item["origin"], item["version"]) == ("aarhus-kommune", 1)


def test_bad_filters_answer_400_json_naming_the_parameter_without_echoing_the_value(client):
    response = client.get("/api/v1/items?type=opskrift")
    message = response.get_json()["error"]["message"]
    assert response.status_code == 400 and message.startswith("type: er ikke en af practice")
    assert "opskrift" not in message
    assert client.get("/api/v1/items?page=nul").status_code == 400


def test_unknown_path_under_api_answers_json_404(client):
    response = client.get("/api/v1/nothing")
    assert response.status_code == 404 and response.is_json


def test_writes_without_or_with_a_bad_token_are_401(client):
    assert client.post("/api/v1/items", json=ITEM).status_code == 401
    response = client.post("/api/v1/items", json=ITEM, headers=auth("vn_forkert"))
    assert response.status_code == 401 and response.get_json()["error"]["status"] == 401


def test_reader_token_cannot_write(client, tokens):
    response = client.post("/api/v1/items", json=ITEM, headers=auth(tokens["reader"]))
    assert response.status_code == 403


def test_editor_creates_a_draft_and_publisher_publishes_it(client, tokens):
    created = client.post("/api/v1/items", json=ITEM, headers=auth(tokens["editor"]))
    assert created.status_code == 201
    item = created.get_json()
    assert (item["status"], item["version"]) == ("draft", 0)
    assert client.get(f"/api/v1/items/{item['id']}").status_code == 404  # drafts are not public
    assert client.post(f"/api/v1/items/{item['id']}/publish", headers=auth(tokens["editor"])).status_code == 403
    published = client.post(f"/api/v1/items/{item['id']}/publish", headers=auth(tokens["publisher"])).get_json()
    assert (published["status"], published["version"]) == ("published", 1)
    assert client.get(f"/api/v1/items/{item['id']}").status_code == 200


def test_update_of_published_item_makes_a_new_version_and_retract_hides_it(client, tokens):
    headers = auth(tokens["publisher"])
    item = client.post("/api/v1/items?publish=true", json=ITEM, headers=headers).get_json()
    changed = client.put(f"/api/v1/items/{item['id']}", json={**ITEM, "title": "Mentorordning, ny udgave"},
                         headers=headers)
    assert changed.get_json()["version"] == 2
    assert client.post(f"/api/v1/items/{item['id']}/retract", headers=headers).get_json()["status"] == "retracted"
    assert client.get(f"/api/v1/items/{item['id']}").status_code == 404
    again = client.post(f"/api/v1/items/{item['id']}/retract", headers=headers)
    assert again.status_code == 409 and again.is_json


def test_invalid_item_gets_422_with_field_messages_and_stores_nothing(client, tokens):
    response = client.post("/api/v1/items", json={**ITEM, "municipalities": ["1234"], "title": ""},
                           headers=auth(tokens["editor"]))
    assert response.status_code == 422
    fields = response.get_json()["error"]["fields"]
    assert set(fields) == {"municipalities", "title"}
    assert client.get("/api/v1/items?status=draft", headers=auth(tokens["editor"])).get_json()["total"] == 0


def test_non_json_body_gets_400(client, tokens):
    response = client.post("/api/v1/items", data="title=x", headers=auth(tokens["editor"]))
    assert response.status_code == 400 and response.is_json


def test_personal_data_is_refused_with_422_naming_the_field_and_nothing_is_stored(client, tokens):
    body = {**ITEM, "summary": "Kontakt Lone Pedersen på 23 45 67 89."}
    response = client.post("/api/v1/items", json=body, headers=auth(tokens["editor"]))
    assert response.status_code == 422
    message = response.get_json()["error"]["fields"]["summary"]
    assert "telefonnummer" in message and "personnavn" in message and "Lone" not in message
    assert client.get("/api/v1/items?status=draft", headers=auth(tokens["editor"])).get_json()["total"] == 0


def test_only_a_publisher_token_may_override_the_guard(client, tokens):
    body = {**ITEM, "summary": "Udviklet af Lone Pedersen.",
            "details": {**ITEM["details"], "personal_data_override": "Ophavspersonen har givet tilladelse"}}
    assert client.post("/api/v1/items", json=body, headers=auth(tokens["editor"])).status_code == 422
    created = client.post("/api/v1/items", json=body, headers=auth(tokens["publisher"]))
    assert created.status_code == 201
    assert created.get_json()["details"]["personal_data_override"] == "Ophavspersonen har givet tilladelse"


def test_a_token_request_answers_at_once_while_a_long_write_holds_the_database(client, tokens, config):
    # A long `vidensnet import` holds SQLite's write lock; the token's last use is bookkeeping and must not
    # turn the request into a 500 "database is locked" (nor wait the busy timeout out).
    blocker = sqlite3.connect(config.database_url.removeprefix("sqlite:///"), isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        started = time.monotonic()
        response = client.get("/api/v1/items", headers=auth(tokens["reader"]))
        waited = time.monotonic() - started
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert response.status_code == 200
    assert waited < 5  # the busy timeout is 10 s: it did not wait for the lock
    assert client.get("/api/v1/items", headers=auth(tokens["reader"])).status_code == 200  # recorded now


BULLETIN = {"type": "bulletin", "title": "Uro ved skolen", "summary": "Grupper efter skoletid.",
            "police_districts": ["Østjyllands Politi"]}


def test_sending_a_bulletin_back_needs_a_reason_and_without_one_is_422_naming_it_and_nothing_changes(client, tokens):
    created = client.post("/api/v1/items", json=BULLETIN, headers=auth(tokens["editor"])).get_json()
    path = f"/api/v1/items/{created['id']}"
    client.post(path + "/submit", headers=auth(tokens["editor"]))
    for body in (None, {}, {"reason": "  "}, {"reason": 7}):
        refused = client.post(path + "/return", json=body, headers=auth(tokens["publisher"]))
        assert refused.status_code == 422 and "reason" in refused.get_json()["error"]["fields"]
    assert client.get(path, headers=auth(tokens["publisher"])).get_json()["status"] == "awaiting_approval"
    returned = client.post(path + "/return", json={"reason": "Tallene for maj mangler."},
                           headers=auth(tokens["publisher"]))
    assert returned.status_code == 200 and returned.get_json()["status"] == "draft"
    # The author, working through the API only, reads why it came back.
    seen = client.get(path, headers=auth(tokens["editor"])).get_json()["returned"]
    assert seen["reason"] == "Tallene for maj mangler." and seen["by"] and seen["at"]


def test_a_reader_sending_back_is_refused_403_before_the_reason_is_looked_at(client, tokens):
    created = client.post("/api/v1/items", json=BULLETIN, headers=auth(tokens["editor"])).get_json()
    refused = client.post(f"/api/v1/items/{created['id']}/return", headers=auth(tokens["reader"]))
    assert refused.status_code == 403
