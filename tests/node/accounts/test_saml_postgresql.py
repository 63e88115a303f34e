"""SAML single use on PostgreSQL: two logins racing with the same assertion, one wins; pruning as on SQLite."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import select, text

from node.accounts.organisation_login import LoginRefused, OrganisationIdentity
from node.accounts.saml import VerifiedAssertion, consume, prune_saml_records
from node.accounts.saml_models import SamlPendingRequest, SamlUsedAssertion
from node.core.db import make_engine, make_sessionmaker, upgrade_database
from node.core.models import utcnow

VERIFIED = VerifiedAssertion(OrganisationIdentity("saml", "https://idp.example/", "s-1", "Politiet"), "_same",
                             utcnow() + timedelta(hours=1))


def _sessions(postgresql_server):
    url = postgresql_server.new_database()
    upgrade_database(url)
    sessions = make_sessionmaker(make_engine(url))
    with sessions.begin() as session:
        session.add_all([SamlPendingRequest(relay_state=r, request_id=f"id-{r}", next_path="/",
                                            expires_at=utcnow() + timedelta(minutes=5)) for r in ("a", "b")])
    return sessions


def _wait_for_a_blocked_insert(sessions) -> None:
    deadline = time.monotonic() + 60
    with sessions() as watcher:
        while time.monotonic() < deadline:
            if watcher.scalar(text("SELECT count(*) FROM pg_locks WHERE NOT granted")):
                return
            watcher.rollback()
            time.sleep(0.05)
    pytest.fail("the second login never waited for the first one's uncommitted assertion")


def test_two_logins_racing_with_one_assertion_let_only_one_in(postgresql_server):
    sessions = _sessions(postgresql_server)
    outcome: list[str] = []

    def second_login():
        try:
            with sessions.begin() as session:
                consume(session, "b", VERIFIED)
            outcome.append("accepted")
        except LoginRefused as refused:
            outcome.append(refused.reason)

    with sessions.begin() as first:
        consume(first, "a", VERIFIED)  # flushed, not yet committed: the unique index holds the second insert
        racer = threading.Thread(target=second_login)
        racer.start()
        _wait_for_a_blocked_insert(sessions)
    racer.join(timeout=60)
    assert outcome == ["replayed assertion _same"]
    with sessions() as session:
        assert list(session.scalars(select(SamlUsedAssertion.assertion_id))) == ["_same"]
        prune_saml_records(session, utcnow() + timedelta(days=1))
        session.commit()
        assert session.scalar(select(SamlUsedAssertion.id)) is None
        assert session.scalar(select(SamlPendingRequest.relay_state)) is None
