"""XSS: payloads in every text field, through every way in, render nothing executable (pages, CLI, forms).

Two payload lists (tests/helpers/xss_payloads.py). Every payload in tests/data/xss_payloads.txt goes
into every free-text field of every item type (title, summary, body, tags and the text, Markdown,
lines, observation-label and link-title details) through the three ways in: the real `vidensnet
import` CLI, the JSON API (test_xss_api.py) and the editor's HTML form. The payloads in
tests/data/xss_payloads_short.txt go into hand-picked fields of practice, method and guidance items
through import in-process, the API and the form. Each item is then read back from its page, its
type's list pages, the front page and the API, and the one checker (tests/helpers/html_safety.py)
must find nothing that could run script. Plain-text fields must come back exactly as stored and be
shown escaped, as text.
"""

from __future__ import annotations

import json

import pytest
from markupsafe import escape

from node.items.files import import_items
from tests.helpers.html_safety import assert_safe_page, csp_directives, executable_parts
from tests.helpers.live_nodes import vidensnet
from tests.helpers.nodes import NODE_ID, acting_node
from tests.helpers.web import csrf_token, login
from tests.helpers.xss_payloads import (
    ITEM_TYPES,
    LIST_PAGES,
    PAYLOADS,
    SHORT_PAYLOADS,
    check_item,
    check_lists,
    check_search,
    form_fields,
    form_tags,
    handmade_item_with,
    item_with,
    one_line,
    reading_client,
)

# ---------------------------------------------------------------------------------------------
# The checker and the app's own pages
# ---------------------------------------------------------------------------------------------


def test_the_checker_catches_what_it_must():
    assert executable_parts('<p><img src=x onerror=alert(1)></p>') == ["<img>", "<img onerror>"]
    assert executable_parts('<a href=" java\tscript:alert(1)">x</a>') == ["<a href=' java\\tscript:alert(1)'>"]
    assert executable_parts('<p>&lt;script&gt;</p>') == []
    assert executable_parts('<link rel="alternate" type="application/atom+xml" href="https://evil.example/">') == [
        "<link {'rel': 'alternate', 'type': 'application/atom+xml', 'href': 'https://evil.example/'}>"]
    assert executable_parts('<link rel="alternate" type="application/rss+xml" href="/feeds/alle.rss">') == []


def test_the_payload_file_has_enough_real_payloads():
    assert len(PAYLOADS) >= 40
    assert len(set(PAYLOADS)) == len(PAYLOADS), "a payload is listed twice"
    assert any("\n" in p for p in PAYLOADS), "the \\n escape for multi-line payloads is not used"
    assert all(len(one_line(p)) <= 200 for p in PAYLOADS), "every payload must fit whole in a title"


@pytest.mark.parametrize("html, expected", [
    ("<script>alert(1)</script>", "<script>"),
    ("<ScRiPt>alert(1)</sCrIpT>", "<script>"),
    ("<p><img src=x onerror=alert(1)></p>", "<img onerror>"),
    ("<svg/onload=alert(1)>", "<svg onload>"),
    ("<svg><script>alert(1)</script></svg>", "<script> in <svg>"),
    ('<svg><animate attributeName="href" values="javascript:alert(1)"/></svg>', "<animate> in <svg>"),
    ('<svg><set attributeName="onmouseover" to="alert(1)"/></svg>', "<set> in <svg>"),
    ("<svg><foreignObject><p>x</p></foreignObject></svg>", "<foreignobject> in <svg>"),
    ('<svg><use href="data:image/svg+xml,x"/></svg>', "<use> in <svg>"),
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
    ('<details open ontoggle=alert(1)>', "<details ontoggle>"),
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
    '<title>Side</title><svg viewBox="0 0 10 10" role="img"><title>Netværket</title><desc>To noder</desc>'
    '<g><line x1="0" y1="0" x2="5" y2="5" stroke-dasharray="2 2"/><circle cx="5" cy="5" r="2"/>'
    '<text x="1" y="9">Aarhus</text></g></svg><p>efter</p><svg><rect width="1" height="1"/></svg>',
    "<details><summary>Teknisk årsag</summary><p>no answer</p></details>",
    '<link rel="stylesheet" href="/static/charts.css">',
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
# Way in 1: import (in-process and the real `vidensnet import` CLI)
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("item_type", ["practice", "method", "guidance"])
def test_imported_payloads_in_every_field_render_nothing_executable(client, sessions, item_type):
    items = [handmade_item_with(p, f"xss-{n}", item_type) for n, p in enumerate(SHORT_PAYLOADS)]
    with sessions.begin() as session:
        import_items(session, acting_node(), [json.dumps(i, ensure_ascii=False) for i in items])
    for n, payload in enumerate(SHORT_PAYLOADS):
        assert_safe_page(client.get(f"/items/aarhus-kommune:xss-{n}"), payload)
        api = client.get(f"/api/v1/items/aarhus-kommune:xss-{n}")
        assert api.content_type == "application/json"
        assert executable_parts(api.get_json()["body_html"]) == [], payload
        assert api.get_json()["summary"] == payload.strip()  # plain text is stored as text, unchanged
    list_page = {"practice": "/praksis", "method": "/metoder", "guidance": "/vejledninger"}[item_type]
    for page in range(1, len(SHORT_PAYLOADS) // 20 + 2):
        assert_safe_page(client.get(f"{list_page}?page={page}"), f"{list_page} page {page}")
    assert_safe_page(client.get("/"), "front page")


def test_script_in_a_title_is_shown_as_text(client, sessions):
    with sessions.begin() as session:
        import_items(session, acting_node(), [json.dumps(handmade_item_with("<script>alert(1)</script>", "synlig"))])
    page = client.get("/items/aarhus-kommune:synlig").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; titel" in page


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
# Way in 3: the editor's HTML form
# ---------------------------------------------------------------------------------------------


def test_payloads_through_the_editor_form_render_nothing_executable(app, users):
    editor = app.test_client()
    login(editor, "publisher")
    for payload in SHORT_PAYLOADS:
        line = payload.replace("\n", " ")
        token = csrf_token(editor.get("/ny/method").get_data(as_text=True))
        response = editor.post("/ny/method", data={
            "csrf_token": token, "action": "publish", "title": (line + " titel")[:200], "summary": payload,
            "body": payload, "tags": line[:40].replace(",", " "), "audience_kind": "public",
            "d_purpose": payload, "d_steps": line[:300], "d_roles": payload,
        })
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        assert_safe_page(editor.get(response.headers["Location"]), payload)
        anonymous = app.test_client()
        assert_safe_page(anonymous.get(response.headers["Location"]), payload)


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
        item["tags"] = form_tags(fields["tags"])  # commas inside a payload split it into more tags
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
            approver_token = csrf_token(approver.get(location).get_data(as_text=True))
            approver.post(f"{location}/udgiv", data={"csrf_token": approver_token})
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
