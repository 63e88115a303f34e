"""Housekeeping's upkeep: login records past their retention, long-ended login sessions and removed peers' pulls go."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select

from federation.models import PullOutcome, PullRecord
from federation.peering import record_peer
from federation.pull_history import PullEnd, record_pull
from federation.trust import check_descriptor, own_descriptor
from node import housekeeping
from node.accounts.sessions import SessionEnd, end_session, open_session
from node.accounts.users import create_user
from node.core.config import AccountRules, NodeSettings
from node.core.models import LoginAttempt, LoginOutcome, LoginSession, utcnow
from tests.helpers.nodes import PASSWORD, acting_node

RANDERS = NodeSettings("randers-kommune", "Randers Kommune", "municipality", "http://randers.test", "0730")


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


def test_a_cycle_forgets_the_pull_history_of_removed_peers_only(sessions):
    now = utcnow()
    with sessions.begin() as session:
        descriptor = own_descriptor(RANDERS, Ed25519PrivateKey.generate())
        record_peer(session, check_descriptor(descriptor))
        for peer_id in (RANDERS.id, "fjernet-kommune"):
            record_pull(session, peer_id, now, now, PullEnd(PullOutcome.OK, Counter()))
    housekeeping.run_cycle(sessions, acting_node(), 180)
    with sessions.begin() as session:
        assert [r.peer_id for r in session.scalars(select(PullRecord))] == [RANDERS.id]
