"""Request plumbing: a session's last use is bookkeeping that never blocks or fails a page."""

from __future__ import annotations

import sqlite3
import time
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from node.core.models import LoginSession, utcnow
from node.web.request import public_item_links, public_url
from tests.helpers.web import login


def test_a_page_answers_at_once_while_a_long_write_holds_the_database_and_the_use_is_noted_after(
        client, users, sessions, config):
    login(client, "editor")
    earlier = utcnow() - timedelta(minutes=5)
    with sessions.begin() as session:
        session.execute(update(LoginSession).values(last_seen_at=earlier))
    blocker = sqlite3.connect(config.database_url.removeprefix("sqlite:///"), isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")  # as a long `vidensnet import` holds SQLite's write lock
    try:
        started = time.monotonic()
        response = client.get("/konto")
        waited = time.monotonic() - started
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert response.status_code == 200
    assert waited < 5  # the busy timeout is 10 s: it did not wait for the lock
    with sessions.begin() as session:
        assert session.scalar(select(LoginSession.last_seen_at)) == earlier
    assert client.get("/konto").status_code == 200
    with sessions.begin() as session:
        assert session.scalar(select(LoginSession.last_seen_at)) > earlier


@pytest.mark.parametrize("item_id", [
    "aarhus-kommune:natteravne", "node:æøå ÆØÅ", "n:a/b?c#d", "n:100%", "n:a+b&c=d;e@f!g'h(i)j*k,l$m",
    "n:日本語", "n: leading space", "n:%00",
])
@pytest.mark.parametrize("script_root", ["", "/vidensnet"])
def test_item_links_for_many_hits_are_exactly_what_url_for_makes(app, item_id, script_root):
    with app.test_request_context("/api/v1/search", environ_base={"SCRIPT_NAME": script_root}):
        assert public_item_links()(item_id) == public_url("pages.item", item_id=item_id)


def test_security_headers_are_added_once_each_and_a_header_the_view_set_itself_wins(app):
    with app.test_request_context("/api/v1/search"):
        own = app.response_class("{}", headers={"x-frame-options": "SAMEORIGIN", "Cache-Control": "no-cache"})
        added = app.process_response(own)
        fresh = app.process_response(app.response_class("{}"))
    assert added.headers.getlist("X-Frame-Options") == ["SAMEORIGIN"]
    assert added.headers.getlist("Cache-Control") == ["no-cache"]
    assert added.headers["Content-Security-Policy"] == fresh.headers["Content-Security-Policy"]
    assert fresh.headers.getlist("X-Frame-Options") == ["DENY"] and fresh.headers["Cache-Control"] == "no-store"
    assert all(len(fresh.headers.getlist(name)) == 1 for name in fresh.headers.keys())
