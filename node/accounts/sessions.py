"""Login sessions kept on the server: the cookie only names one, so ending it here ends it wherever it was copied."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from node.accounts.users import token_hash
from node.core.config import AccountRules
from node.core.models import LOGIN_SESSION_TRANSITIONS, LoginSession, LoginSessionState, User, UserState

# Last use is bookkeeping for the idle limit: written at most this often, so browsing is not a write per page.
SEEN_RECORDED_EVERY = timedelta(minutes=1)
# Ended and lapsed sessions are deleted this long after; the login records keep the history.
ENDED_KEPT = timedelta(days=1)


class SessionEnd(StrEnum):
    """Why a session ended (end_reason); lapsed sessions stay open in the table until they are pruned."""

    LOGGED_OUT = "logged_out"
    EVERYWHERE = "everywhere"  # "Log ud på alle enheder"
    PASSWORD = "password"  # the password was changed or reset
    DISABLED = "disabled"  # the account was disabled


@dataclass(frozen=True)
class Lifetimes:
    """How long a session may go unused (idle) and how long it may last at all (maximum)."""

    idle: timedelta
    maximum: timedelta

    @classmethod
    def of(cls, rules: AccountRules) -> Lifetimes:
        """The lifetimes the node's configuration sets."""
        return cls(timedelta(minutes=rules.session_idle_minutes), timedelta(hours=rules.session_max_hours))


def open_session(session: Session, user: User, device: str, source_address: str, now: datetime) -> str:
    """Record a new login session for the user and return its key (for the cookie; only its hash is kept)."""
    key = secrets.token_urlsafe(32)
    session.add(LoginSession(key_hash=token_hash(key), user_id=user.id, state=LoginSessionState.OPEN, created_at=now,
                             last_seen_at=now, device=device[:120], source_address=source_address[:64]))
    session.flush()
    return key


def lapsed(row: LoginSession, lifetimes: Lifetimes, now: datetime) -> bool:
    """Whether an open session has been idle too long or has passed its absolute lifetime."""
    return row.last_seen_at <= now - lifetimes.idle or row.created_at <= now - lifetimes.maximum


def session_user(session: Session, key: str, lifetimes: Lifetimes, now: datetime) -> User | None:
    """The active user of an open, unlapsed session with this key; None for any other. Nothing is written."""
    row = session.scalar(select(LoginSession).where(LoginSession.key_hash == token_hash(key)))
    if row is None or row.state != LoginSessionState.OPEN or lapsed(row, lifetimes, now):
        return None
    return row.user if row.user.state == UserState.ACTIVE else None


def record_session_seen(session: Session, key: str, now: datetime) -> bool:
    """Note the session's use when the last note is older than SEEN_RECORDED_EVERY; True if it wrote."""
    row = session.scalar(select(LoginSession).where(LoginSession.key_hash == token_hash(key)))
    # Read first: most requests come within the minute and need no write (nor a write lock) at all.
    if row is None or row.state != LoginSessionState.OPEN or row.last_seen_at > now - SEEN_RECORDED_EVERY:
        return False
    row.last_seen_at = now
    return True


def _end(row: LoginSession, reason: SessionEnd, now: datetime) -> None:
    LOGIN_SESSION_TRANSITIONS.move(row, LoginSessionState.ENDED)
    row.ended_at, row.end_reason = now, reason


def end_session(session: Session, key: str, reason: SessionEnd, now: datetime) -> bool:
    """End the open session with this key (logging out); False when there was none open."""
    row = session.scalar(select(LoginSession).where(LoginSession.key_hash == token_hash(key)))
    if row is None or row.state != LoginSessionState.OPEN:
        return False
    _end(row, reason, now)
    return True


def end_user_sessions(session: Session, user: User, reason: SessionEnd, now: datetime,
                      keep_key: str | None = None) -> int:
    """End every open session of the user, except the one with `keep_key`; returns how many ended."""
    query = select(LoginSession).where(LoginSession.user_id == user.id, LoginSession.state == LoginSessionState.OPEN)
    if keep_key is not None:
        query = query.where(LoginSession.key_hash != token_hash(keep_key))
    rows = session.scalars(query).all()
    for row in rows:
        _end(row, reason, now)
    return len(rows)


def open_sessions(session: Session, user: User, lifetimes: Lifetimes, now: datetime) -> list[LoginSession]:
    """The user's sessions that are open and not lapsed, newest first (for "dine sessioner")."""
    rows = session.scalars(select(LoginSession).where(LoginSession.user_id == user.id,
                                                      LoginSession.state == LoginSessionState.OPEN)
                           .order_by(LoginSession.created_at.desc())).all()
    return [row for row in rows if not lapsed(row, lifetimes, now)]


def is_current(row: LoginSession, key: str | None) -> bool:
    """Whether the row is the session whose key the request's cookie carries."""
    return key is not None and row.key_hash == token_hash(key)


def prune_sessions(session: Session, lifetimes: Lifetimes, now: datetime) -> int:
    """Delete sessions that ended, or lapsed, more than ENDED_KEPT ago; returns how many."""
    result = session.execute(delete(LoginSession).where(or_(
        LoginSession.ended_at < now - ENDED_KEPT,
        LoginSession.last_seen_at < now - lifetimes.idle - ENDED_KEPT,
        LoginSession.created_at < now - lifetimes.maximum - ENDED_KEPT,
    )))
    return result.rowcount
