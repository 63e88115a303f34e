"""Housekeeping's account upkeep: login records past their retention and long-ended login sessions go."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from node import housekeeping
from node.accounts.sessions import SessionEnd, end_session, open_session
from node.accounts.users import create_user
from node.core.config import AccountRules
from node.core.models import LoginAttempt, LoginOutcome, LoginSession, utcnow
from tests.helpers.nodes import PASSWORD, acting_node


def test_a_cycle_prunes_old_login_records_and_ended_sessions_and_keeps_the_recent_ones(sessions):
    now = utcnow()
    with sessions.begin() as session:
        anna = create_user(session, "anna", PASSWORD, "admin")
        for days in (40, 20):
            session.add(LoginAttempt(at=now - timedelta(days=days), username="anna", user_id=anna.id,
                                     source_address="10.0.0.1", outcome=LoginOutcome.SUCCEEDED))
        ended = open_session(session, anna, "Firefox på Linux", "10.0.0.1", now - timedelta(days=3))
        end_session(session, ended, SessionEnd.LOGGED_OUT, now - timedelta(days=2))
        open_session(session, anna, "Firefox på Linux", "10.0.0.1", now)
    housekeeping.run_cycle(sessions, acting_node(), 180, AccountRules(login_record_days=30))
    with sessions.begin() as session:
        assert [a.at for a in session.scalars(select(LoginAttempt))] == [now - timedelta(days=20)]
        assert [s.state for s in session.scalars(select(LoginSession))] == ["open"]
