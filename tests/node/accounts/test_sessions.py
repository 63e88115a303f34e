"""Login sessions on the server, with an injected clock: open, lapsed (idle or too old), ended, pruned."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from node.accounts.sessions import (
    Lifetimes,
    SessionEnd,
    end_session,
    end_user_sessions,
    open_session,
    open_sessions,
    prune_sessions,
    record_session_seen,
    session_user,
)
from node.accounts.users import create_user
from node.core.models import LoginSession, User, UserState
from tests.helpers.nodes import PASSWORD

T0 = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
LIFETIMES = Lifetimes(idle=timedelta(minutes=60), maximum=timedelta(hours=12))


@pytest.fixture
def anna(sessions):
    with sessions.begin() as session:
        return create_user(session, "anna", PASSWORD, "admin").id


def _open(sessions, user_id: int, at: datetime = T0) -> str:
    with sessions.begin() as session:
        return open_session(session, _user(session, user_id),
                            "Firefox på Linux", "10.0.0.1", at)


def _user(session, user_id):
    return session.get(User, user_id)


def _who(sessions, key: str, at: datetime):
    with sessions.begin() as session:
        user = session_user(session, key, LIFETIMES, at)
        return user.username if user else None


def test_a_new_session_opens_with_a_fresh_key_whose_hash_alone_is_stored(sessions, anna):
    first, second = _open(sessions, anna), _open(sessions, anna)
    assert first != second and len(first) >= 40
    with sessions.begin() as session:
        stored = session.scalars(select(LoginSession.key_hash)).all()
    assert first not in stored and second not in stored and len(stored) == 2
    assert _who(sessions, first, T0 + timedelta(minutes=1)) == "anna"


def test_an_unknown_key_opens_nothing(sessions, anna):
    _open(sessions, anna)
    assert _who(sessions, "not-a-session-key", T0) is None


def test_a_session_unused_for_the_idle_time_has_lapsed(sessions, anna):
    key = _open(sessions, anna)
    assert _who(sessions, key, T0 + timedelta(minutes=59)) == "anna"
    assert _who(sessions, key, T0 + timedelta(minutes=60)) is None


def test_use_moves_the_idle_limit_but_is_written_at_most_once_a_minute(sessions, anna):
    key = _open(sessions, anna)
    with sessions.begin() as session:
        assert not record_session_seen(session, key, T0 + timedelta(seconds=30))
        assert record_session_seen(session, key, T0 + timedelta(minutes=50))
    assert _who(sessions, key, T0 + timedelta(minutes=100)) == "anna"


def test_a_busy_session_still_ends_at_its_absolute_lifetime(sessions, anna):
    key = _open(sessions, anna)
    for minutes in range(50, 12 * 60, 50):
        with sessions.begin() as session:
            record_session_seen(session, key, T0 + timedelta(minutes=minutes))
    assert _who(sessions, key, T0 + timedelta(hours=11, minutes=59)) == "anna"
    assert _who(sessions, key, T0 + timedelta(hours=12)) is None


def test_an_ended_session_stays_ended(sessions, anna):
    key = _open(sessions, anna)
    with sessions.begin() as session:
        assert end_session(session, key, SessionEnd.LOGGED_OUT, T0)
        assert not end_session(session, key, SessionEnd.LOGGED_OUT, T0)
    assert _who(sessions, key, T0 + timedelta(seconds=1)) is None


def test_ending_all_of_a_users_sessions_can_keep_the_current_one(sessions, anna):
    here, phone, laptop = (_open(sessions, anna) for _ in range(3))
    with sessions.begin() as session:
        assert end_user_sessions(session, _user(session, anna), SessionEnd.PASSWORD, T0, keep_key=here) == 2
        assert len(open_sessions(session, _user(session, anna), LIFETIMES, T0)) == 1
    assert [_who(sessions, k, T0) for k in (here, phone, laptop)] == ["anna", None, None]


def test_a_disabled_users_open_session_opens_nothing(sessions, anna):
    key = _open(sessions, anna)
    with sessions.begin() as session:
        _user(session, anna).state = UserState.DISABLED
    assert _who(sessions, key, T0) is None


def test_pruning_deletes_sessions_a_day_after_they_ended_or_lapsed(sessions, anna):
    ended, idle, fresh = (_open(sessions, anna) for _ in range(3))
    with sessions.begin() as session:
        end_session(session, ended, SessionEnd.LOGGED_OUT, T0)
        record_session_seen(session, fresh, T0 + timedelta(hours=24))
        assert prune_sessions(session, LIFETIMES, T0 + timedelta(hours=25, minutes=1)) == 2
        assert session.scalar(select(func.count()).select_from(LoginSession)) == 1
    assert _who(sessions, fresh, T0 + timedelta(hours=11)) == "anna"
