"""XSS payloads, the items that carry them in their text fields, and reading those items back everywhere.

Two payload lists, one payload per line (a literal two-character "\\n" in a file stands for a newline):
PAYLOADS, from tests/data/xss_payloads.txt, goes into every free-text field of every item type
(`item_with`, built from the item format's DETAILS); SHORT_PAYLOADS, from
tests/data/xss_payloads_short.txt, goes into hand-picked fields of practice, method and guidance
items (`handmade_item_with`) and into the feed tests. Reading back checks every page and API answer
with the one checker in tests/helpers/html_safety.py.
"""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import select

from node.accounts.users import create_api_token
from node.core.models import User
from node.items.vocabulary import DETAILS
from tests.helpers.html_safety import assert_safe_page, assert_shown_as_text, executable_parts
from tests.helpers.web import login

DATA = Path(__file__).resolve().parent.parent / "data"
PAYLOADS = [line.replace("\\n", "\n") for line in
            (DATA / "xss_payloads.txt").read_text(encoding="utf-8").splitlines() if line.strip()]
SHORT_PAYLOADS = [line.replace("\\n", "\n") for line in
                  (DATA / "xss_payloads_short.txt").read_text(encoding="utf-8").splitlines() if line]

LIST_PAGES = {"practice": "/praksis", "method": "/metoder", "bulletin": "/bulletiner", "plan": "/planer",
              "guidance": "/vejledninger"}
ITEM_TYPES = tuple(LIST_PAGES)
SAFE_LINK_URL = "https://example.org/sti?a=1&b=2#javascript:alert(1)"


# ---------------------------------------------------------------------------------------------
# Items carrying a payload in their text fields
# ---------------------------------------------------------------------------------------------


def handmade_item_with(payload: str, local_id: str, item_type: str = "practice") -> dict:
    """A practice, method or guidance item with the payload in every free-text field that can hold it."""
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


def _fit(text: str, max_len: int, min_len: int = 1) -> str:
    """The text as a field of that length holds it (validation strips, so this strips too)."""
    return text.strip()[:max_len].strip().ljust(min_len, "_")


def one_line(payload: str) -> str:
    return payload.replace("\r", " ").replace("\n", " ")


def _tags(payload: str) -> list[str]:
    """The payload cut into 40-character tags (at most 20, repeats dropped)."""
    line = one_line(payload)
    tags: list[str] = []
    for start in range(0, len(line), 40):
        tag = line[start:start + 40].strip()
        if tag and tag not in tags:
            tags.append(tag)
    return tags[:20]


def _details(item_type: str, payload: str) -> dict:
    line = one_line(payload)
    details: dict = {}
    for spec in DETAILS[item_type]:
        if spec.kind == "text":
            details[spec.key] = _fit(line, 500)
        elif spec.kind == "markdown":
            details[spec.key] = _fit(payload, 20_000)
        elif spec.kind == "lines":
            details[spec.key] = [_fit(line, 300)]
        elif spec.kind == "observations":
            details[spec.key] = [{"label": _fit(line, 200), "count": 7}]
        elif spec.kind == "links":
            details[spec.key] = [{"title": _fit(line, 200), "url": SAFE_LINK_URL}]
        elif spec.kind == "codes":
            details[spec.key] = ["0751"]
    return details


def item_with(payload: str, item_type: str, local_id: str | None = None) -> dict:
    """Item JSON with the payload in every text field; each value is already as validation stores it."""
    item = {
        "type": item_type,
        "title": _fit(one_line(payload), 200, 3),
        "summary": _fit(payload, 1000),
        "body": _fit(payload, 100_000),
        # Bulletins can never be public; readers of the node see "network" items.
        "audience": "network" if item_type == "bulletin" else "public",
        "tags": _tags(payload),
        "details": _details(item_type, payload),
    }
    if local_id:
        item["id"] = local_id
    return item


def form_fields(item: dict) -> dict:
    """The editor form fields that produce `item`."""
    fields = {"title": item["title"], "summary": item["summary"], "body": item["body"],
              "tags": ", ".join(item["tags"]), "audience_kind": item["audience"]}
    for spec in DETAILS[item["type"]]:
        value = item["details"].get(spec.key)
        name = f"d_{spec.key}"
        if value is None:
            continue
        if spec.kind == "lines":
            fields[name] = "\n".join(value)
        elif spec.kind == "observations":
            fields[name] = "\n".join(f"{o['label']} | {o['count']}" for o in value)
        elif spec.kind == "links":
            fields[name] = "\n".join(f"{link['title']} | {link['url']}" for link in value)
        else:
            fields[name] = value
    return fields


def form_tags(tags: str) -> list[str]:
    """The tags the editor makes of a comma-separated field (as node.web.forms does, repeats dropped)."""
    result: list[str] = []
    for tag in (t.strip() for t in tags.split(",")):
        if tag and tag not in result:
            result.append(tag)
    return result


def plain_text_values(item: dict) -> list[tuple[str, str]]:
    """(field, value) for every plain-text value the item page shows as text."""
    values = [("title", item["title"]), ("summary", item["summary"])]
    values += [("tags", tag) for tag in item["tags"]]
    for spec in DETAILS[item["type"]]:
        value = item["details"].get(spec.key)
        if value is None:
            continue
        if spec.kind == "text":
            values.append((spec.key, value))
        elif spec.kind == "lines":
            values += [(spec.key, line) for line in value]
        elif spec.kind == "observations":
            values += [(spec.key, o["label"]) for o in value]
        elif spec.kind == "links":
            values += [(spec.key, link["title"]) for link in value]
    return values


# ---------------------------------------------------------------------------------------------
# Reading items back everywhere
# ---------------------------------------------------------------------------------------------


def check_item(client, item_id: str, expected: dict, where: str) -> None:
    """The item's page and its API JSON: nothing executable, plain text exactly as stored and shown as text."""
    html = assert_safe_page(client.get(f"/items/{item_id}"), f"{where} /items/{item_id}")
    for field, value in plain_text_values(expected):
        assert_shown_as_text(html, value, f"{where} /items/{item_id} {field}")
    api = client.get(f"/api/v1/items/{item_id}")
    assert api.status_code == 200, where
    assert api.mimetype == "application/json", f"{where}: API answered {api.content_type}"
    assert api.headers.get("X-Content-Type-Options") == "nosniff", where
    data = api.get_json()
    found = executable_parts(data["body_html"])
    assert found == [], f"{where} body_html: executable HTML {found}"
    for field in ("type", "title", "summary", "body", "tags", "details"):
        assert data[field] == expected[field], f"{where}: {field} changed on the way in or out"


def check_lists(client, item_type: str, expected_items: list[dict], where: str) -> None:
    """Every page of the type's list and the front page are clean; every title is listed, escaped."""
    pages, url = [], LIST_PAGES[item_type]
    while True:
        html = assert_safe_page(client.get(url), f"{where} {url}")
        pages.append(html)
        next_link = re.search(r'<a rel="next" href="([^"]+)"', html)
        if not next_link:
            break
        url = next_link.group(1).replace("&amp;", "&")
    listed = "".join(pages)
    for item in expected_items:
        assert_shown_as_text(listed, item["title"], f"{where} {LIST_PAGES[item_type]} title")
        assert_shown_as_text(listed, item["summary"], f"{where} {LIST_PAGES[item_type]} summary")
    assert_safe_page(client.get("/"), f"{where} front page")
    url = f"/api/v1/items?type={item_type}"
    while url:
        page = client.get(url)
        assert page.mimetype == "application/json", where
        for data in page.get_json()["items"]:
            assert executable_parts(data["body_html"]) == [], f"{where} {url} body_html of {data['id']}"
        url = page.get_json()["next"]


def check_search(client, where: str) -> None:
    """The search page and API (whichever backend the node runs) show the payload items without running them."""
    for query in ("alert", "script", "javascript", "onerror", ""):
        html = assert_safe_page(client.get("/sog", query_string={"q": query}), f"{where} /sog?q={query}")
        assert 'class="card-title"' in html, f"{where}: /sog?q={query} found nothing"
        api = client.get("/api/v1/search", query_string={"q": query})
        assert api.status_code == 200 and api.mimetype == "application/json", where
        for hit in api.get_json()["hits"]:
            for field, highlighted in hit["highlight"].items():
                assert executable_parts(highlighted) == [], f"{where} search highlight {field} of {hit['id']}"


def reading_client(app, item_type: str):
    """A client that may read items of this type: anonymous for public items, a reader for bulletins."""
    client = app.test_client()
    if item_type == "bulletin":
        login(client, "reader")
    return client


def publisher_token(sessions, username: str = "publisher") -> str:
    with sessions.begin() as session:
        user = session.scalar(select(User).where(User.username == username))
        return create_api_token(session, user, "xss-test")


def publish_through_api(api, item: dict, sessions, headers: dict):
    """POST and publish an item; a bulletin is written by the editor and approved by the publisher."""
    if item["type"] != "bulletin":
        return api.post("/api/v1/items?publish=true", json=item, headers=headers)
    editor = {"Authorization": f"Bearer {publisher_token(sessions, 'editor')}"}
    created = api.post("/api/v1/items", json=item, headers=editor)
    if created.status_code != 201:
        return created
    path = f"/api/v1/items/{created.get_json()['id']}"
    api.post(path + "/submit", headers=editor)
    return api.post(path + "/publish", headers=headers)
