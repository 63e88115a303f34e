"""XSS payloads in every field, through import, the API and the forms, render nothing executable."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from sqlalchemy import select

from node.accounts.users import create_api_token
from node.items.files import import_items
from node.core.models import User
from tests.helpers.nodes import acting_node
from tests.helpers.web import csrf_token, login

PAYLOADS = [line.replace("\\n", "\n") for line in
            (Path(__file__).resolve().parents[2] / "data" / "xss_payloads_short.txt").read_text(encoding="utf-8").splitlines() if line]
# The app's own pages use form, input, meta charset/viewport and body without attributes; any
# of these in rendered content would have to come from a payload.
DANGEROUS_TAGS = {"script", "iframe", "frame", "object", "embed", "svg", "math", "style", "base", "applet",
                  "video", "audio", "source", "img", "marquee", "details"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data", "xlink:href", "background", "poster"}


class ExecutableFinder(HTMLParser):
    """Collects anything in a page that could run script."""

    def __init__(self):
        super().__init__()
        self.found: list[str] = []
        self.forms = 0

    def handle_starttag(self, tag, attrs):
        if tag in DANGEROUS_TAGS or (tag == "meta" and "http-equiv" in dict(attrs)):
            self.found.append(f"<{tag}>")
        if tag == "form" and not (dict(attrs).get("action") or "/").startswith("/"):
            self.found.append("<form action>")
        if tag == "link" and dict(attrs).get("rel") != "stylesheet" and not _is_feed_alternate(dict(attrs)):
            self.found.append("<link>")
        for name, value in attrs:
            cleaned = re.sub(r"[\x00-\x20]", "", value or "").lower()
            if name.startswith("on") or name == "style" or name == "srcdoc":
                self.found.append(f"{tag}[{name}]")
            if name in URL_ATTRIBUTES and cleaned.startswith(("javascript:", "vbscript:", "data:")):
                self.found.append(f"{tag}[{name}={value}]")


def _is_feed_alternate(attrs: dict) -> bool:
    # The app's own feed autodiscovery links: same-site feeds, nothing a payload could point elsewhere.
    return (attrs.get("rel") == "alternate" and attrs.get("type") in ("application/atom+xml", "application/rss+xml")
            and (attrs.get("href") or "").startswith("/feeds/"))


def executable_parts(html: str) -> list[str]:
    """Everything executable in the HTML (the app's own forms and inputs are allowed)."""
    finder = ExecutableFinder()
    finder.feed(html)
    return finder.found


def item_with(payload: str, local_id: str, item_type: str = "practice") -> dict:
    """An item with the payload in every free-text field that can hold it."""
    line = payload.replace("\n", " ")
    title = (line + " titel")[:200]
    details = {
        "practice": {"organisation": line[:500], "contact": line[:500], "deliverables": payload,
                     "key_themes": [line[:300]], "target_audience": line[:500]},
        "method": {"purpose": payload, "steps": [line[:300]], "roles": payload},
        "guidance": {"issuer": line[:500], "links": [{"title": line[:200], "url": "https://dkr.dk/"}]},
    }[item_type]
    return {"id": local_id, "type": item_type, "title": title, "summary": payload, "body": payload,
            "audience": "public", "tags": [line[:40]], "details": details}


def assert_clean(response, where: str) -> None:
    assert response.status_code == 200, where
    csp = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp and "script-src 'self'" in csp
    assert executable_parts(response.get_data(as_text=True)) == [], where


def test_the_checker_catches_what_it_must():
    assert executable_parts('<p><img src=x onerror=alert(1)></p>') == ["<img>", "img[onerror]"]
    assert executable_parts('<a href=" java\tscript:alert(1)">x</a>') == ['a[href= java\tscript:alert(1)]']
    assert executable_parts('<p>&lt;script&gt;</p>') == []
    assert executable_parts('<link rel="alternate" type="application/atom+xml" href="https://evil.example/">') == ["<link>"]
    assert executable_parts('<link rel="alternate" type="application/rss+xml" href="/feeds/alle.rss">') == []


@pytest.mark.parametrize("item_type", ["practice", "method", "guidance"])
def test_imported_payloads_in_every_field_render_nothing_executable(client, sessions, item_type):
    items = [item_with(p, f"xss-{n}", item_type) for n, p in enumerate(PAYLOADS)]
    with sessions.begin() as session:
        import_items(session, acting_node(), [json.dumps(i, ensure_ascii=False) for i in items])
    for n, payload in enumerate(PAYLOADS):
        assert_clean(client.get(f"/items/aarhus-kommune:xss-{n}"), payload)
        api = client.get(f"/api/v1/items/aarhus-kommune:xss-{n}")
        assert api.content_type == "application/json"
        assert executable_parts(api.get_json()["body_html"]) == [], payload
        assert api.get_json()["summary"] == payload.strip()  # plain text is stored as text, unchanged
    list_page = {"practice": "/praksis", "method": "/metoder", "guidance": "/vejledninger"}[item_type]
    for page in range(1, len(PAYLOADS) // 20 + 2):
        assert_clean(client.get(f"{list_page}?page={page}"), f"{list_page} page {page}")
    assert_clean(client.get("/"), "front page")


def test_script_in_a_title_is_shown_as_text(client, sessions):
    with sessions.begin() as session:
        import_items(session, acting_node(), [json.dumps(item_with("<script>alert(1)</script>", "synlig"))])
    page = client.get("/items/aarhus-kommune:synlig").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; titel" in page


def test_payloads_through_the_api_render_nothing_executable(client, sessions, users):
    with sessions.begin() as session:
        token = create_api_token(session, session.scalar(select(User).where(User.username == "publisher")), "xss")
    headers = {"Authorization": f"Bearer {token}"}
    for n, payload in enumerate(PAYLOADS):
        response = client.post("/api/v1/items?publish=true", json=item_with(payload, f"api-{n}", "method"), headers=headers)
        assert response.status_code == 201, response.get_json()
        assert executable_parts(response.get_json()["body_html"]) == []
        assert_clean(client.get(f"/items/aarhus-kommune:api-{n}"), payload)


def test_payloads_through_the_editor_form_render_nothing_executable(app, users):
    editor = app.test_client()
    login(editor, "publisher")
    for payload in PAYLOADS:
        line = payload.replace("\n", " ")
        token = csrf_token(editor.get("/ny/method").get_data(as_text=True))
        response = editor.post("/ny/method", data={
            "csrf_token": token, "action": "publish", "title": (line + " titel")[:200], "summary": payload,
            "body": payload, "tags": line[:40].replace(",", " "), "audience_kind": "public",
            "d_purpose": payload, "d_steps": line[:300], "d_roles": payload,
        })
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        assert_clean(editor.get(response.headers["Location"]), payload)
        anonymous = app.test_client()
        assert_clean(anonymous.get(response.headers["Location"]), payload)


def test_a_javascript_link_url_is_refused_with_the_field_named(client, sessions, users):
    with sessions.begin() as session:
        token = create_api_token(session, session.scalar(select(User).where(User.username == "publisher")), "xss")
    item = item_with("x", "lenke", "guidance")
    item["details"]["links"] = [{"title": "klik", "url": "javascript:alert(1)"}]
    response = client.post("/api/v1/items", json=item, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 422 and "links" in response.get_json()["error"]["fields"]["details"]
