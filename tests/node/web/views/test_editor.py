"""Editor forms: CSRF on every form, roles, drafts, publishing, new versions, retraction."""

from __future__ import annotations

import re

import pytest

from tests.helpers.danish_text import danish_leftovers
from tests.helpers.web import csrf_token, login

FORM = {
    "title": "Bekymringssamtaler på skolerne",
    "summary": "Sådan holder skolen en bekymringssamtale med elev og forældre.",
    "body": "## Forløb\n\n1. Forberedelse\n2. Samtalen",
    "tags": "bekymringssamtale, forældresamarbejde",
    "audience_kind": "public",
    "municipalities": ["0751"],
    "police_districts": ["Østjyllands Politi"],
    "prevention_level": "forebyggende",
    "target_groups": ["unge 13-17 år", "forældre og familie"],
    "cooperation": ["SSP"],
    "d_purpose": "At dele bekymring tidligt.",
    "d_steps": "Indkald\nSamtale\nOpfølgning",
}

def post_form(client, path: str, data: dict):
    token = csrf_token(client.get(path).get_data(as_text=True))
    return client.post(path, data={**data, "csrf_token": token})


def item_id_from(response) -> str:
    return re.search(r"/items/([^/?#]+)$", response.headers["Location"]).group(1)


def test_anonymous_is_sent_to_login_and_reader_is_forbidden(client, users):
    assert client.get("/ny/method").status_code == 302
    login(client, "reader")
    assert client.get("/ny/method").status_code == 403


def test_post_without_csrf_token_is_refused(client, users):
    login(client, "editor")
    response = client.post("/ny/method", data=FORM)
    assert response.status_code == 400
    assert "CSRF" in response.get_data(as_text=True)


def test_login_and_logout_forms_need_csrf_too(client, users):
    assert client.post("/login", data={"username": "editor", "password": "x"}).status_code == 400
    login(client, "editor")
    assert client.post("/logout").status_code == 400


def test_editor_saves_a_draft_that_anonymous_cannot_see(app, users):
    editor = app.test_client()
    login(editor, "editor")
    response = post_form(editor, "/ny/method", {**FORM, "action": "save"})
    item_id = item_id_from(response)
    page = editor.get(f"/items/{item_id}").get_data(as_text=True)
    assert "Kladde" in page and "Bekymringssamtaler på skolerne" in page
    assert app.test_client().get(f"/items/{item_id}").status_code == 404


def test_invalid_form_is_shown_again_with_danish_field_messages(client, users):
    login(client, "editor")
    response = post_form(client, "/ny/method", {**FORM, "title": "x", "d_steps": ""})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "skal være mellem 3 og 200 tegn" in page
    assert 'aria-invalid="true"' in page
    assert "Sådan holder skolen en bekymringssamtale" in page  # the other values are kept


def test_publisher_publishes_then_edits_to_version_two_then_retracts_after_confirming(app, users):
    publisher, anonymous = app.test_client(), app.test_client()
    login(publisher, "publisher")
    item_id = item_id_from(post_form(publisher, "/ny/method", {**FORM, "action": "publish"}))
    assert "Bekymringssamtaler på skolerne" in anonymous.get("/metoder").get_data(as_text=True)

    post_form(publisher, f"/items/{item_id}/rediger", {**FORM, "title": "Bekymringssamtaler i udskolingen"})
    page = anonymous.get(f"/items/{item_id}").get_data(as_text=True)
    assert "Bekymringssamtaler i udskolingen" in page and "<dd>2</dd>" in page

    token = csrf_token(publisher.get(f"/items/{item_id}/tilbagetraek").get_data(as_text=True))
    publisher.post(f"/items/{item_id}/tilbagetraek", data={"csrf_token": token, "bekraeftet": "ja"})
    gone = anonymous.get(f"/items/{item_id}")
    assert gone.status_code == 410 and "Trukket tilbage af Aarhus Kommune" in gone.get_data(as_text=True)


def test_editor_may_not_edit_a_published_item(app, users):
    publisher, editor = app.test_client(), app.test_client()
    login(publisher, "publisher")
    login(editor, "editor")
    item_id = item_id_from(post_form(publisher, "/ny/method", {**FORM, "action": "publish"}))
    assert editor.get(f"/items/{item_id}/rediger").status_code == 403


def test_edit_form_is_filled_with_the_items_values(client, users):
    login(client, "publisher")
    item_id = item_id_from(post_form(client, "/ny/method", {**FORM, "action": "save"}))
    page = client.get(f"/items/{item_id}/rediger").get_data(as_text=True)
    assert 'value="bekymringssamtale, forældresamarbejde"' in page
    assert "Indkald\nSamtale\nOpfølgning" in page
    assert '<option value="0751" title="Kommunekode 0751" selected>' in page


def test_personal_data_in_the_form_is_refused_naming_the_field_not_the_value(client, users):
    login(client, "editor")
    response = post_form(client, "/ny/method", {**FORM, "d_purpose": "Ring til Mikkel Jensen på 23456789."})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Formål</a>: indeholder et telefonnummer og et personnavn" in page
    assert 'name="d_personal_data_override"' not in page  # editors are not offered the override


def test_a_publisher_is_offered_the_override_field(client, users):
    login(client, "publisher")
    assert 'name="d_personal_data_override"' in client.get("/ny/method").get_data(as_text=True)


@pytest.mark.parametrize(("item_type", "heading"), [
    ("practice", "Details of the practice example"), ("method", "Details of the method"),
    ("bulletin", "Details of the trend bulletin"), ("plan", "Details of the action plan"),
    ("guidance", "Details of the guidance")])
def test_the_new_item_editor_of_every_type_is_all_english_with_the_place_names_marked_danish(
        client, users, item_type, heading):
    client.set_cookie("sprog", "en")
    login(client, "publisher")
    page = client.get(f"/ny/{item_type}").get_data(as_text=True)
    assert '<html lang="en">' in page and heading in page and "Who may see the item?" in page
    assert "Save draft" in page and "Cancel" in page
    assert danish_leftovers(page) == []


def test_a_failed_submit_in_english_names_each_field_and_says_what_is_wrong(client, users):
    client.set_cookie("sprog", "en")
    login(client, "editor")
    response = post_form(client, "/ny/method", {**FORM, "title": "x", "summary": "", "expires_at": "2001-01-01",
                                                "action": "save"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and '<html lang="en">' in page
    assert "The method could not be saved: correct the 3 errors below" in page
    assert "must be between 3 and 200 characters (is 1)" in page and "must be filled in" in page
    assert "the expiry date must be in the future" in page
    assert danish_leftovers(page) == []


def test_the_privacy_guard_refuses_in_english_naming_the_field_and_the_kind_never_the_value(client, users):
    client.set_cookie("sprog", "en")
    login(client, "editor")
    response = post_form(client, "/ny/method", {**FORM, "body": "Ring til 20 30 40 50 ved spørgsmål.",
                                                "action": "save"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "The method could not be saved: correct the error below" in page
    assert "contains a phone number; remove it (the information is not repeated here)" in page
    assert page.count("20 30 40 50") == 1  # only in the form field, never in a message
    assert danish_leftovers(page) == []
