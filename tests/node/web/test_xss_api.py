"""XSS through the JSON API: payloads posted into every field render nothing executable, and link URLs
that are not http(s) are refused with the field named. The payload lists, the items that carry them and
the one checker are described in test_xss.py.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from node.accounts.users import create_api_token
from node.core.models import User
from tests.helpers.html_safety import assert_safe_page, executable_parts
from tests.helpers.nodes import NODE_ID
from tests.helpers.xss_payloads import (
    ITEM_TYPES,
    PAYLOADS,
    SHORT_PAYLOADS,
    check_item,
    check_lists,
    handmade_item_with,
    item_with,
    publish_through_api,
    publisher_token,
    reading_client,
)


def test_payloads_through_the_api_render_nothing_executable(client, sessions, users):
    with sessions.begin() as session:
        token = create_api_token(session, session.scalar(select(User).where(User.username == "publisher")), "xss")
    headers = {"Authorization": f"Bearer {token}"}
    for n, payload in enumerate(SHORT_PAYLOADS):
        item = handmade_item_with(payload, f"api-{n}", "method")
        response = client.post("/api/v1/items?publish=true", json=item, headers=headers)
        assert response.status_code == 201, response.get_json()
        assert executable_parts(response.get_json()["body_html"]) == []
        assert_safe_page(client.get(f"/items/aarhus-kommune:api-{n}"), payload)


@pytest.mark.parametrize("item_type", ITEM_TYPES)
def test_payloads_posted_to_the_api_into_every_field_render_nothing_executable(app, sessions, users, item_type):
    headers = {"Authorization": f"Bearer {publisher_token(sessions)}"}
    api, created = app.test_client(), []
    for payload in PAYLOADS:
        item = item_with(payload, item_type)
        response = publish_through_api(api, item, sessions, headers)
        assert response.status_code in (200, 201), (payload, response.get_json())
        assert response.mimetype == "application/json"
        data = response.get_json()
        assert data["status"] == "published"
        assert executable_parts(data["body_html"]) == [], payload
        created.append((data["id"], item, payload))
    client = reading_client(app, item_type)
    for item_id, item, payload in created:
        check_item(client, item_id, item, f"api {item_type} {payload!r}")
    check_lists(client, item_type, [item for _, item, _ in created], f"api {item_type}")


# ---------------------------------------------------------------------------------------------
# Link URLs that are not http(s)
# ---------------------------------------------------------------------------------------------


BAD_LINK_URLS = [
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    " javascript:alert(1)",
    "java\tscript:alert(1)",
    "javascript://example.org/%0aalert(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "vbscript:msgbox(1)",
    'https://example.org/" onmouseover="alert(1)',
    "https://example.org/<script>alert(1)</script>",
    "//evil.example/x",
]


@pytest.mark.parametrize("url", BAD_LINK_URLS)
def test_a_guidance_link_that_is_not_http_is_refused_by_the_api_with_a_field_error(client, sessions, users, url):
    item = item_with("vejledning", "guidance", "lenke")
    item["details"]["links"] = [{"title": "klik", "url": url}]
    response = client.post("/api/v1/items?publish=true", json=item,
                           headers={"Authorization": f"Bearer {publisher_token(sessions)}"})
    assert response.status_code == 422
    assert "links" in response.get_json()["error"]["fields"]["details"]
    assert client.get(f"/api/v1/items/{NODE_ID}:lenke").status_code == 404


def test_a_javascript_link_url_is_refused_with_the_field_named(client, sessions, users):
    with sessions.begin() as session:
        token = create_api_token(session, session.scalar(select(User).where(User.username == "publisher")), "xss")
    item = handmade_item_with("x", "lenke", "guidance")
    item["details"]["links"] = [{"title": "klik", "url": "javascript:alert(1)"}]
    response = client.post("/api/v1/items", json=item, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 422 and "links" in response.get_json()["error"]["fields"]["details"]
