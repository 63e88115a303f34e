"""Four-eyes bulletins through the editor pages and the API."""

from __future__ import annotations

import pytest

from tests.helpers.web import api_tokens, auth, csrf_token, login

FORM = {"title": "Grupper af unge ved banegården", "summary": "Flere grupper om aftenen.",
        "audience_kind": "districts", "audience_districts": ["Østjyllands Politi"],
        "police_districts": ["Østjyllands Politi"], "municipalities": ["0751"]}
BULLETIN = {"type": "bulletin", "title": "Grupper af unge ved banegården", "summary": "Flere grupper om aftenen.",
            "police_districts": ["Østjyllands Politi"]}


def post(client, page: str, path: str, data: dict | None = None):
    token = csrf_token(client.get(page).get_data(as_text=True))
    return client.post(path, data={**(data or {}), "csrf_token": token})


def test_editor_submits_and_a_second_publisher_approves_on_the_item_page(client, two_publishers):
    login(client, "editor")
    response = post(client, "/ny/bulletin", "/ny/bulletin", {**FORM, "action": "submit"})
    page = response.headers["Location"]
    assert "Afventer godkendelse" in client.get(page).get_data(as_text=True)
    client.post("/logout", data={"csrf_token": csrf_token(client.get("/").get_data(as_text=True))})
    login(client, "udgiver2")
    html = client.get(page).get_data(as_text=True)
    assert "Godkend og udgiv" in html
    post(client, page, page + "/udgiv")
    html = client.get(page).get_data(as_text=True)
    assert "Udgivet" in html and "Godkendt af Anden Udgiver" in html


def test_publisher_who_wrote_the_bulletin_is_not_offered_approval_and_is_refused(client, two_publishers):
    login(client, "publisher")
    page = post(client, "/ny/bulletin", "/ny/bulletin", {**FORM, "action": "submit"}).headers["Location"]
    html = client.get(page).get_data(as_text=True)
    assert "Godkend og udgiv" not in html and "En anden udgiver skal godkende" in html
    assert post(client, page, page + "/udgiv").status_code == 409


def test_new_bulletin_form_offers_approval_not_direct_publishing(client, two_publishers):
    login(client, "publisher")
    html = client.get("/ny/bulletin").get_data(as_text=True)
    assert "Gem og send til godkendelse" in html and "Gem og udgiv" not in html


@pytest.fixture
def tokens(sessions, two_publishers) -> dict[str, str]:
    """A bearer token per user, the second publisher included."""
    return api_tokens(sessions)


def test_api_refuses_to_publish_a_bulletin_at_once_and_stores_nothing(client, tokens):
    response = client.post("/api/v1/items?publish=true", json=BULLETIN, headers=auth(tokens["publisher"]))
    assert response.status_code == 409 and "godkendelse" in response.json["error"]["message"]
    listed = client.get("/api/v1/items?status=draft", headers=auth(tokens["publisher"])).json
    assert listed["items"] == []


def test_api_submit_then_second_publisher_publishes_and_the_approval_is_in_the_json(client, tokens):
    created = client.post("/api/v1/items", json=BULLETIN, headers=auth(tokens["editor"])).json
    path = f"/api/v1/items/{created['id']}"
    assert client.post(path + "/submit", headers=auth(tokens["editor"])).json["status"] == "awaiting_approval"
    assert client.post(path + "/publish", headers=auth(tokens["editor"])).status_code == 403
    published = client.post(path + "/publish", headers=auth(tokens["udgiver2"])).json
    assert published["status"] == "published"
    assert published["approval"]["kind"] == "second_person" and published["approval"]["by"] == "udgiver2"


def logout(client):
    client.post("/logout", data={"csrf_token": csrf_token(client.get("/").get_data(as_text=True))})


def test_api_publisher_who_rewrote_submitted_and_publishes_a_bulletin_is_refused_with_409(client, tokens):
    created = client.post("/api/v1/items", json=BULLETIN, headers=auth(tokens["editor"])).json
    path = f"/api/v1/items/{created['id']}"
    client.post(path + "/submit", headers=auth(tokens["editor"]))
    rewritten = {**BULLETIN, "summary": "Udgiverens egen tekst."}
    assert client.put(path, json=rewritten, headers=auth(tokens["publisher"])).status_code == 200
    assert client.post(path + "/submit", headers=auth(tokens["publisher"])).status_code == 200
    response = client.post(path + "/publish", headers=auth(tokens["publisher"]))
    assert response.status_code == 409 and response.json["error"]["message"].startswith("fire øjne:")
    assert client.get(path, headers=auth(tokens["publisher"])).json["status"] == "awaiting_approval"


def test_api_third_person_approves_the_rewritten_bulletin_and_the_record_names_both_authors(client, tokens):
    created = client.post("/api/v1/items", json=BULLETIN, headers=auth(tokens["editor"])).json
    path = f"/api/v1/items/{created['id']}"
    client.put(path, json={**BULLETIN, "summary": "Udgiverens egen tekst."}, headers=auth(tokens["publisher"]))
    client.post(path + "/submit", headers=auth(tokens["publisher"]))
    published = client.post(path + "/publish", headers=auth(tokens["udgiver2"]))
    assert published.status_code == 200
    approval = published.json["approval"]
    assert (approval["kind"], approval["by"], approval["authors"]) == ("second_person", "udgiver2",
                                                                       ["editor", "publisher"])


def submitted_by_editor_then_publisher(client) -> str:
    """The editor submits a bulletin through the form; then the publisher logs in. Returns the bulletin's page."""
    login(client, "editor")
    page = post(client, "/ny/bulletin", "/ny/bulletin", {**FORM, "action": "submit"}).headers["Location"]
    logout(client)
    login(client, "publisher")
    return page


def test_form_publisher_who_rewrote_a_submitted_bulletin_is_not_offered_approval_and_is_refused(
        client, two_publishers):
    page = submitted_by_editor_then_publisher(client)
    rewritten = {**FORM, "summary": "Udgiverens egen tekst.", "action": "submit"}
    assert post(client, page + "/rediger", page + "/rediger", rewritten).status_code == 302
    html = client.get(page).get_data(as_text=True)
    assert "Afventer godkendelse" in html and "Godkend og udgiv" not in html
    assert "du har skrevet eller ændret denne version" in html
    refused = post(client, page, page + "/udgiv")
    assert refused.status_code == 409 and "fire øjne" in refused.get_data(as_text=True)
    assert "Afventer godkendelse" in client.get(page).get_data(as_text=True)


def test_form_publisher_who_only_resubmitted_is_offered_approval_and_publishes(client, two_publishers):
    page = submitted_by_editor_then_publisher(client)
    assert post(client, page, page + "/tilbage-til-kladde", {"begrundelse": "Ret tallene."}).status_code == 302
    post(client, page, page + "/til-godkendelse")
    assert "Godkend og udgiv" in client.get(page).get_data(as_text=True)
    assert post(client, page, page + "/udgiv").status_code == 302
    assert "Godkendt af Test publisher" in client.get(page).get_data(as_text=True)


def test_form_publisher_who_saved_the_bulletin_unchanged_is_no_author_and_may_approve(client, two_publishers):
    page = submitted_by_editor_then_publisher(client)
    assert post(client, page + "/rediger", page + "/rediger", {**FORM, "action": "submit"}).status_code == 302
    assert "Godkend og udgiv" in client.get(page).get_data(as_text=True)
    assert post(client, page, page + "/udgiv").status_code == 302
