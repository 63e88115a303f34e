"""Logging in: every attempt recorded, a username locked after repeated failures whether or not it exists."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from node.accounts.logins import attempt_login, prune_login_records, record_throttled
from node.accounts.users import create_user
from node.core.config import AccountRules
from node.core.models import LoginAttempt, LoginOutcome, User, UserState
from tests.helpers.nodes import PASSWORD

T0 = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
RULES = AccountRules(lockout_failures=5, lockout_minutes=15, login_record_days=365)


@pytest.fixture
def anna(sessions):
    with sessions.begin() as session:
        create_user(session, "anna", PASSWORD, "editor")


def _try(sessions, username: str, password: str, at: datetime, address: str = "10.0.0.1"):
    with sessions.begin() as session:
        return attempt_login(session, username, password, address, RULES, at)


def _records(sessions) -> list[tuple]:
    with sessions.begin() as session:
        rows = session.scalars(select(LoginAttempt).order_by(LoginAttempt.id)).all()
        return [(r.username, r.user_id is not None, r.source_address, r.outcome) for r in rows]


def test_a_successful_login_is_recorded_with_the_account_and_notes_the_last_login(sessions, anna):
    result = _try(sessions, "Anna ", PASSWORD, T0)
    assert result.outcome == LoginOutcome.SUCCEEDED and result.user.username == "anna"
    assert _records(sessions) == [("anna", True, "10.0.0.1", "succeeded")]
    with sessions.begin() as session:
        assert session.scalar(select(User.last_login_at)) == T0


def test_five_failures_lock_the_username_even_with_the_right_password(sessions, anna):
    for minute in range(5):
        assert _try(sessions, "anna", "forkert-kode-123", T0 + timedelta(minutes=minute)).outcome == "wrong_password"
    locked = _try(sessions, "anna", PASSWORD, T0 + timedelta(minutes=5))
    assert locked.outcome == LoginOutcome.LOCKED and locked.user is None
    assert "For mange mislykkede loginforsøg" in locked.message and "10 minutter" in locked.message
    assert [r[3] for r in _records(sessions)] == ["wrong_password"] * 5 + ["locked"]


def test_an_unknown_username_is_locked_exactly_like_a_real_one(sessions, anna):
    results = {}
    for name in ("anna", "ukendt"):
        for minute in range(5):
            _try(sessions, name, "forkert-kode-123", T0 + timedelta(minutes=minute))
        results[name] = _try(sessions, name, "forkert-kode-123", T0 + timedelta(minutes=6))
    assert results["anna"].outcome == results["ukendt"].outcome == LoginOutcome.LOCKED
    assert results["anna"].message == results["ukendt"].message
    assert ("ukendt", False, "10.0.0.1", "locked") in _records(sessions)


def test_the_lock_lifts_when_the_oldest_failure_leaves_the_window(sessions, anna):
    for minute in range(5):
        _try(sessions, "anna", "forkert-kode-123", T0 + timedelta(minutes=minute))
    assert _try(sessions, "anna", PASSWORD, T0 + timedelta(minutes=14, seconds=59)).outcome == LoginOutcome.LOCKED
    assert _try(sessions, "anna", PASSWORD, T0 + timedelta(minutes=15, seconds=1)).outcome == LoginOutcome.SUCCEEDED


def test_a_success_before_the_lockout_is_recorded_and_starts_the_count_again(sessions, anna):
    for minute in range(4):
        _try(sessions, "anna", "forkert-kode-123", T0 + timedelta(minutes=minute))
    assert _try(sessions, "anna", PASSWORD, T0 + timedelta(minutes=4)).outcome == LoginOutcome.SUCCEEDED
    for minute in range(5, 9):
        _try(sessions, "anna", "forkert-kode-123", T0 + timedelta(minutes=minute))
    assert _try(sessions, "anna", PASSWORD, T0 + timedelta(minutes=9)).outcome == LoginOutcome.SUCCEEDED
    assert [r[3] for r in _records(sessions)].count("succeeded") == 2


def test_the_right_password_of_a_disabled_account_is_refused_and_recorded_as_such(sessions, anna):
    with sessions.begin() as session:
        session.scalar(select(User)).state = UserState.DISABLED
    result = _try(sessions, "anna", PASSWORD, T0)
    assert result.outcome == LoginOutcome.DISABLED and result.user is None
    assert "deaktiveret" in result.message
    assert _try(sessions, "anna", "forkert-kode-123", T0).message == "Forkert brugernavn eller adgangskode."


def test_a_throttled_attempt_is_recorded_and_old_records_are_pruned(sessions, anna):
    with sessions.begin() as session:
        record_throttled(session, "anna", "10.0.0.9", T0)
    _try(sessions, "anna", PASSWORD, T0 + timedelta(days=200))
    with sessions.begin() as session:
        assert prune_login_records(session, RULES, T0 + timedelta(days=366)) == 1
    assert _records(sessions) == [("anna", True, "10.0.0.1", "succeeded")]
