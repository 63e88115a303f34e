"""Sanitising: XSS payloads in every text field, through every way in, render nothing executable.

Every payload in tests/data/xss_payloads.txt goes into every free-text field of
every item type (title, summary, body, tags and the text, Markdown, lines,
observation-label and link-title details) through the three ways in: the real
`vidensnet import` CLI, the JSON API and the editor's HTML form. Each item is
then read back from its page, its type's list pages, the front page and the API,
and `executable_parts` must find nothing that could run script. Plain-text
fields must come back exactly as stored and be shown escaped, as text.
"""

from __future__ import annotations

import json
import re
import unicodedata
from html.parser import HTMLParser
from pathlib import Path

import pytest
from markupsafe import escape
from sqlalchemy import select

from node.accounts.users import create_api_token
from node.items.schema import DETAILS
from node.core.models import User
from tests.helpers.live_nodes import vidensnet
from tests.helpers.nodes import NODE_ID
from tests.helpers.web import csrf_token, login

PAYLOAD_FILE = Path(__file__).resolve().parents[2] / "data" / "xss_payloads.txt"
# One payload per line; a literal two-character "\n" in the file stands for a newline.
PAYLOADS = [line.replace("\\n", "\n") for line in PAYLOAD_FILE.read_text(encoding="utf-8").splitlines() if line.strip()]

LIST_PAGES = {"practice": "/praksis", "method": "/metoder", "bulletin": "/bulletiner", "plan": "/planer",
              "guidance": "/vejledninger"}
ITEM_TYPES = tuple(LIST_PAGES)
OUR_STYLESHEET = {"rel": "stylesheet", "href": "/static/style.css"}
FEED_TYPES = ("application/atom+xml", "application/rss+xml")


def _our_feed_link(attributes: dict) -> bool:
    # The app's own feed autodiscovery: a same-site feed URL, nothing a payload could point elsewhere.
    return (set(attributes) <= {"rel", "type", "title", "href"} and attributes.get("rel") == "alternate"
            and attributes.get("type") in FEED_TYPES and re.match(r"/feeds/", attributes.get("href") or "") is not None)
SAFE_LINK_URL = "https://example.org/sti?a=1&b=2#javascript:alert(1)"

# ---------------------------------------------------------------------------------------------
# The checker
# ---------------------------------------------------------------------------------------------

# Elements that run script, load active content or change how the page is read.
EXECUTABLE_ELEMENTS = {"script", "iframe", "frame", "frameset", "object", "embed", "svg", "math", "style", "base",
                       "applet", "portal", "template", "noscript", "xmp", "noembed", "param"}
# Elements the app never emits and the Markdown allow-list never lets through: in a page they
# can only have come from a payload (each is a classic carrier of an event handler).
FOREIGN_ELEMENTS = {"img", "image", "video", "audio", "source", "track", "details", "marquee", "isindex", "keygen",
                    "bgsound", "layer", "ilayer"}
# The layout has exactly one of each of these (<body> without attributes); a second one comes from a payload.
SINGLE_ELEMENTS = {"html", "head", "body", "title"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data", "xlink:href", "background", "poster", "codebase",
                  "archive", "code", "dynsrc", "lowsrc", "ping", "cite", "manifest", "srcset"}
UNSAFE_SCHEMES = ("javascript:", "vbscript:", "data:")
# Browsers ignore leading C0 controls and spaces and every tab and newline in a URL; removing all of
# them (and Unicode spaces) before looking at the scheme is stricter still.
_IGNORED_IN_URL = re.compile(r"[\x00-\x20\x7f-\x9f\s\u200b-\u200d\ufeff]")


def _normalised_url(value: str) -> str:
    return _IGNORED_IN_URL.sub("", unicodedata.normalize("NFKC", value)).lower()


class _ExecutableFinder(HTMLParser):
    """Collects every element and attribute in a document that could run script."""

    def __init__(self):
        super().__init__(convert_charrefs=True)  # attribute values arrive entity-decoded
        self.found: list[str] = []
        self.seen: dict[str, int] = {}

    def handle_starttag(self, tag, attrs):
        attributes = {name: value or "" for name, value in attrs}
        if tag in EXECUTABLE_ELEMENTS or tag in FOREIGN_ELEMENTS:
            self.found.append(f"<{tag}>")
        if tag in SINGLE_ELEMENTS:
            self.seen[tag] = self.seen.get(tag, 0) + 1
            if self.seen[tag] > 1:
                self.found.append(f"second <{tag}>")
        if tag == "meta" and "http-equiv" in attributes:
            self.found.append(f"<meta http-equiv={attributes['http-equiv']}>")
        if tag == "link" and attributes != OUR_STYLESHEET and not _our_feed_link(attributes):
            self.found.append(f"<link {attributes}>")
        if tag == "form" and "action" in attributes and not re.match(r"/(?![/\\])", attributes["action"]):
            self.found.append(f"<form action={attributes['action']!r}>")
        for name, value in attrs:
            value = value or ""
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}>")
            if name in ("style", "srcdoc"):
                self.found.append(f"<{tag} {name}>")
            if name in URL_ATTRIBUTES and _normalised_url(value).startswith(UNSAFE_SCHEMES):
                self.found.append(f"<{tag} {name}={value!r}>")

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)


def executable_parts(html: str) -> list[str]:
    """Everything in the HTML that could run script; empty when the HTML is safe."""
    finder = _ExecutableFinder()
    finder.feed(html)
    finder.close()
    return finder.found


def csp_directives(header: str) -> dict[str, list[str]]:
    """A Content-Security-Policy header as {directive: [sources]}."""
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives.setdefault(words[0].lower(), [w.lower() for w in words[1:]])
    return directives


def assert_safe_page(response, where: str, status: int = 200) -> str:
    """The response is an HTML page with a strict script policy and nothing executable; returns its HTML."""
    assert response.status_code == status, f"{where}: HTTP {response.status_code}"
    assert response.mimetype == "text/html", where
    policy = csp_directives(response.headers.get("Content-Security-Policy", ""))
    assert "script-src" in policy, f"{where}: no script-src in the Content-Security-Policy"
    assert "'unsafe-inline'" not in policy["script-src"] and "'unsafe-eval'" not in policy["script-src"], where
    assert response.headers.get("X-Content-Type-Options") == "nosniff", where
    html = response.get_data(as_text=True)
    found = executable_parts(html)
    assert found == [], f"{where}: executable HTML {found}"
    return html


def assert_shown_as_text(html: str, value: str, where: str) -> None:
    """A plain-text value is in the page HTML-escaped, and never raw when it has markup in it."""
    assert str(escape(value)) in html, f"{where}: {value!r} is not shown escaped"
    if "<" in value and len(value) >= 8:
        assert value not in html, f"{where}: {value!r} is in the page unescaped"


# ---------------------------------------------------------------------------------------------
# Items carrying a payload in every text field
# ---------------------------------------------------------------------------------------------


def _fit(text: str, max_len: int, min_len: int = 1) -> str:
    """The text as a field of that length holds it (validation strips, so this strips too)."""
    return text.strip()[:max_len].strip().ljust(min_len, "_")


def _one_line(payload: str) -> str:
    return payload.replace("\r", " ").replace("\n", " ")


def _tags(payload: str) -> list[str]:
    """The payload cut into 40-character tags (at most 20, repeats dropped)."""
    line = _one_line(payload)
    tags: list[str] = []
    for start in range(0, len(line), 40):
        tag = line[start:start + 40].strip()
        if tag and tag not in tags:
            tags.append(tag)
    return tags[:20]


def _details(item_type: str, payload: str) -> dict:
    line = _one_line(payload)
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
        "title": _fit(_one_line(payload), 200, 3),
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


def _form_tags(tags: str) -> list[str]:
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


# ---------------------------------------------------------------------------------------------
# The checker itself
# ---------------------------------------------------------------------------------------------


def test_the_payload_file_has_enough_real_payloads():
    assert len(PAYLOADS) >= 40
    assert len(set(PAYLOADS)) == len(PAYLOADS), "a payload is listed twice"
    assert any("\n" in p for p in PAYLOADS), "the \\n escape for multi-line payloads is not used"
    assert all(len(_one_line(p)) <= 200 for p in PAYLOADS), "every payload must fit whole in a title"


@pytest.mark.parametrize("html, expected", [
    ("<script>alert(1)</script>", "<script>"),
    ("<ScRiPt>alert(1)</sCrIpT>", "<script>"),
    ("<p><img src=x onerror=alert(1)></p>", "<img onerror>"),
    ("<svg/onload=alert(1)>", "<svg>"),
    ("<math><mtext></mtext></math>", "<math>"),
    ("<iframe src=x></iframe>", "<iframe>"),
    ("<frame src=x>", "<frame>"),
    ("<object data=x></object>", "<object>"),
    ("<embed src=x>", "<embed>"),
    ("<applet code=x></applet>", "<applet>"),
    ("<style>p{}</style>", "<style>"),
    ("<base href=/>", "<base>"),
    ('<meta http-equiv="refresh" content="0">', "<meta http-equiv=refresh>"),
    ('<link rel="stylesheet" href="https://evil.example/x.css">', "<link"),
    ('<link rel="preload" href="/static/style.css">', "<link"),
    ('<link rel="alternate" type="application/atom+xml" href="https://evil.example/feed">', "<link"),
    ('<link rel="alternate" type="application/atom+xml" href="/feeds/alle.atom" onload="x()">', "<link"),
    ('<p onclick="x()">x</p>', "<p onclick>"),
    ('<details open ontoggle=alert(1)>', "<details>"),
    ('<p style="color:red">x</p>', "<p style>"),
    ('<a href="javascript:alert(1)">x</a>', "<a href="),
    ('<a href="  JaVa&#x09;Script&#58;alert(1)">x</a>', "<a href="),
    ('<a href="&#x0e;javascript:alert(1)">x</a>', "<a href="),
    ('<a href="vbscript:msgbox(1)">x</a>', "<a href="),
    ('<a href="DATA:text/html,x">x</a>', "<a href="),
    ('<form action="javascript:alert(1)"></form>', "<form action="),
    ('<form action="//evil.example/"></form>', "<form action="),
    ('<button formaction="javascript:alert(1)">x</button>', "<button formaction="),
    ('<object data="data:text/html,x"></object>', "<object data="),
    ('<svg><a xlink:href="javascript:alert(1)">x</a></svg>', "<a xlink:href="),
    ("<body><body onload=alert(1)>", "second <body>"),
])
def test_the_checker_catches_executable_html(html, expected):
    found = executable_parts(html)
    assert any(f.startswith(expected) for f in found), found


@pytest.mark.parametrize("html", [
    "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>",
    '<p><a href="https://example.org/?q=javascript:alert(1)" title="onclick">javascript:alert(1)</a></p>',
    '<a href="java%09script:alert(1)">relative, not a scheme</a>',
    '<link rel="stylesheet" href="/static/style.css">',
    '<link rel="alternate" type="application/rss+xml" title="Alle" href="/feeds/alle.rss">',
    '<form method="post" action="/logout"><input type="hidden" name="csrf_token" value="x"></form>',
    "<table><thead><tr><th align=left>a</th></tr></thead></table>",
])
def test_the_checker_accepts_safe_html(html):
    assert executable_parts(html) == []


def test_the_app_own_pages_pass_the_checker(app, users):
    anonymous = app.test_client()
    for url in ["/", *LIST_PAGES.values(), "/login"]:
        assert_safe_page(anonymous.get(url), url)
    publisher = app.test_client()
    login(publisher, "publisher")
    for url in ["/", *LIST_PAGES.values(), *[f"/ny/{t}" for t in ITEM_TYPES]]:
        assert_safe_page(publisher.get(url), f"publisher {url}")


def test_the_content_security_policy_forbids_inline_script(client):
    response = client.get("/")
    policy = csp_directives(response.headers["Content-Security-Policy"])
    assert policy["script-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"] and policy["base-uri"] == ["'none'"]
    api = client.get("/api/v1/items")
    assert "'unsafe-inline'" not in csp_directives(api.headers["Content-Security-Policy"]).get("script-src", [])


# ---------------------------------------------------------------------------------------------
# Way in 1: `vidensnet import` (the real CLI)
# ---------------------------------------------------------------------------------------------


def test_payloads_imported_with_the_cli_into_every_field_of_every_type_render_nothing_executable(
        app, node_home, users, tmp_path):
    items = {t: [item_with(p, t, f"xss-{t}-{n}") for n, p in enumerate(PAYLOADS)] for t in ITEM_TYPES}
    path = tmp_path / "xss.jsonl"
    path.write_text("".join(json.dumps(i, ensure_ascii=False) + "\n" for batch in items.values() for i in batch),
                    encoding="utf-8")
    result = vidensnet(node_home, "import", str(path))
    assert f"{len(PAYLOADS) * len(ITEM_TYPES)} oprettet" in result.stdout, result.stdout + result.stderr
    for item_type, batch in items.items():
        client = reading_client(app, item_type)
        for item, payload in zip(batch, PAYLOADS):
            check_item(client, f"{NODE_ID}:{item['id']}", item, f"import {item_type} {payload!r}")
        check_lists(client, item_type, batch, f"import {item_type}")
    check_search(app.test_client(), "anonymous")
    reader = app.test_client()
    login(reader, "reader")
    check_search(reader, "reader")
    admin = app.test_client()
    login(admin, "admin")
    html = assert_safe_page(admin.get("/admin/"), "admin overview")
    shown = [i["title"] for batch in items.values() for i in batch if str(escape(i["title"])) in html]
    assert len(shown) >= 10, "the admin page lists the latest titles, as text"


def test_a_script_title_imported_with_the_cli_is_shown_as_text(app, node_home, tmp_path):
    path = tmp_path / "title.jsonl"
    path.write_text(json.dumps(item_with("<script>alert(1)</script>", "practice", "synlig")) + "\n", encoding="utf-8")
    vidensnet(node_home, "import", str(path))
    client = app.test_client()
    page = client.get(f"/items/{NODE_ID}:synlig").get_data(as_text=True)
    assert "<h1>&lt;script&gt;alert(1)&lt;/script&gt;</h1>" in page
    assert "<title>&lt;script&gt;alert(1)&lt;/script&gt; · " in page
    assert "<script" not in page.lower()
    listed = client.get("/praksis").get_data(as_text=True)
    assert ">&lt;script&gt;alert(1)&lt;/script&gt;</a>" in listed and "<script" not in listed.lower()


# ---------------------------------------------------------------------------------------------
# Payloads in query strings (reflected, never stored)
# ---------------------------------------------------------------------------------------------


def test_payloads_in_query_strings_are_shown_as_text_and_never_reflected_executable(app, users):
    anonymous, reader = app.test_client(), app.test_client()
    login(reader, "reader")
    for payload in PAYLOADS:
        for who, client in (("anonymous", anonymous), ("reader", reader)):
            where = f"{who} {payload!r}"
            html = assert_safe_page(client.get("/sog", query_string={"q": payload}), f"{where} /sog?q=")
            assert str(escape(payload.strip()[:300])) in html, f"{where}: search words not shown escaped"
            html = assert_safe_page(client.get("/praksis", query_string={"tag": payload}), f"{where} /praksis?tag=")
            assert str(escape(payload)) in html, f"{where}: tag filter not shown escaped"
            assert_safe_page(client.get(f"/items/{payload}"), f"{where} /items/<payload>", status=404)
            refused = client.get("/api/v1/items", query_string={"type": payload})
            assert refused.status_code == 400 and refused.mimetype == "application/json", where
            search = client.get("/api/v1/search", query_string={"q": payload})
            assert search.status_code == 200 and search.mimetype == "application/json", where


# ---------------------------------------------------------------------------------------------
# Way in 2: the JSON API
# ---------------------------------------------------------------------------------------------


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


def test_a_javascript_link_url_refuses_the_whole_cli_import(app, node_home, tmp_path):
    good = item_with("<script>alert(1)</script>", "guidance", "god")
    bad = item_with("vejledning", "guidance", "lenke")
    bad["details"]["links"] = [{"title": "klik", "url": "javascript:alert(1)"}]
    path = tmp_path / "links.jsonl"
    path.write_text(json.dumps(good) + "\n" + json.dumps(bad) + "\n", encoding="utf-8")
    result = vidensnet(node_home, "import", str(path), check=False)
    assert result.returncode == 1 and "linje 2" in result.stderr and "links" in result.stderr
    assert app.test_client().get(f"/items/{NODE_ID}:god").status_code == 404  # all or nothing


# ---------------------------------------------------------------------------------------------
# Way in 3: the editor's HTML form
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("item_type", ITEM_TYPES)
def test_payloads_published_through_the_editor_form_render_nothing_executable(app, users, item_type):
    # A bulletin is written by an editor and approved by a publisher (four eyes); others are published at once.
    bulletin = item_type == "bulletin"
    editor, approver = app.test_client(), app.test_client()
    login(editor, "editor" if bulletin else "publisher")
    login(approver, "publisher")
    token = csrf_token(assert_safe_page(editor.get(f"/ny/{item_type}"), f"/ny/{item_type}"))
    reader, created = reading_client(app, item_type), []
    for payload in PAYLOADS:
        item = item_with(payload, item_type)
        fields = form_fields(item)
        item["tags"] = _form_tags(fields["tags"])  # commas inside a payload split it into more tags
        action = "submit" if bulletin else "publish"
        response = editor.post(f"/ny/{item_type}", data={**fields, "csrf_token": token, "action": action})
        assert response.status_code == 302, (payload, response.get_data(as_text=True)[:2000])
        location = response.headers["Location"]
        item_id = location.rsplit("/items/", 1)[1]
        page = assert_safe_page(editor.get(location), f"form {item_type} {payload!r}")
        # The stored values go back into the edit form's inputs and textareas, escaped.
        edit = assert_safe_page(editor.get(f"{location}/rediger"), f"form {item_type} {payload!r} edit page")
        for name in ("title", "summary", "body"):
            assert str(escape(fields[name].strip())) in edit, f"{name} not in the edit form escaped for {payload!r}"
        if bulletin:
            approver.post(f"{location}/udgiv", data={"csrf_token": csrf_token(approver.get(location).get_data(as_text=True))})
            page = assert_safe_page(approver.get(location), f"form {payload!r} approved")
        assert "Emnet er udgivet." in page
        check_item(reader, item_id, item, f"form {item_type} {payload!r}")
        created.append(item)
    check_lists(reader, item_type, created, f"form {item_type}")
    check_lists(editor, item_type, created, f"form {item_type} as publisher")


def test_a_javascript_link_url_is_refused_by_the_form_and_the_payloads_shown_again_as_text(app, users):
    editor = app.test_client()
    login(editor, "publisher")
    token = csrf_token(editor.get("/ny/guidance").get_data(as_text=True))
    for payload in PAYLOADS:
        item = item_with(payload, "guidance")
        fields = form_fields(item)
        fields["d_links"] = f"{item['details']['links'][0]['title']} | javascript:alert(1)"
        response = editor.post("/ny/guidance", data={**fields, "csrf_token": token, "action": "publish"})
        assert response.status_code == 422, payload
        html = assert_safe_page(response, f"refused form {payload!r}", status=422)
        assert 'id="fejl-details"' in html and "links:" in html and "javascript:alert(1)" in html
        for name in ("title", "summary", "body", "d_issuer", "d_links"):
            assert str(escape(fields[name])) in html, f"{name} not shown again escaped for {payload!r}"
    assert editor.get("/api/v1/items?type=guidance&status=draft").get_json()["total"] == 0

