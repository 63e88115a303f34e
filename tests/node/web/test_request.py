"""Request plumbing: a session's last use is bookkeeping that never blocks or fails a page."""

from __future__ import annotations

import sqlite3
import time
from datetime import timedelta

from sqlalchemy import select, update

from node.core.models import LoginSession, utcnow
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
