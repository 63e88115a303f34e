"""Logging in with a password: the per-username lockout, and a record of every attempt however it ended.

The lockout counts failures in the database, so it holds across several web processes, and it counts
them by the username as typed, so an unknown username is locked exactly like a real one: neither the
message nor the timing tells whether an account exists.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from node.accounts.users import authenticate, find_user
from node.core.config import AccountRules
from node.core.models import LoginAttempt, LoginOutcome, User, UserState
from node.core.translation import N_, ngettext
from node.core.translation import gettext as _

OUTCOME_LABELS = {
    LoginOutcome.SUCCEEDED: N_("Logget ind"),
    LoginOutcome.WRONG_PASSWORD: N_("Forkert brugernavn eller adgangskode"),
    LoginOutcome.LOCKED: N_("Afvist: låst efter for mange fejl"),
    LoginOutcome.DISABLED: N_("Afvist: kontoen er deaktiveret"),
    LoginOutcome.THROTTLED: N_("Afvist: for mange forsøg fra adressen"),
}


@dataclass(frozen=True)
class LoginResult:
    """How an attempt ended: the user when it succeeded, how long to wait when the username is locked."""

    outcome: LoginOutcome
    user: User | None = None
    wait: timedelta | None = None

    @property
    def message(self) -> str:
        """What the login form tells the person, in the interface language (never whether the username exists)."""
        if self.outcome == LoginOutcome.LOCKED:
            minutes = max(1, math.ceil(self.wait.total_seconds() / 60))
            return ngettext("For mange mislykkede loginforsøg med dette brugernavn. Af hensyn til sikkerheden kan der "
                            "ikke logges ind med det i %(num)d minut. Prøv igen senere.",
                            "For mange mislykkede loginforsøg med dette brugernavn. Af hensyn til sikkerheden kan der "
                            "ikke logges ind med det i %(num)d minutter. Prøv igen senere.", minutes)
        if self.outcome == LoginOutcome.DISABLED:
            return _("Kontoen er deaktiveret. Kontakt nodens administrator.")
        return _("Forkert brugernavn eller adgangskode.")


def normalised_username(username: str) -> str:
    """The username as the records and the lockout count it: usernames are lower case, at most 64 characters."""
    return username.strip().lower()[:64]


def attempt_login(session: Session, username: str, password: str, source_address: str, rules: AccountRules,
                  now: datetime) -> LoginResult:
    """Check a login and record it; a locked username is refused before its password is even checked."""
    name = normalised_username(username)
    wait = lockout_remaining(session, name, rules, now)
    if wait is not None:
        _record(session, name, find_user(session, name), source_address, LoginOutcome.LOCKED, now)
        return LoginResult(LoginOutcome.LOCKED, wait=wait)
    user = authenticate(session, name, password)
    if user is None:
        _record(session, name, find_user(session, name), source_address, LoginOutcome.WRONG_PASSWORD, now)
        return LoginResult(LoginOutcome.WRONG_PASSWORD)
    if user.state != UserState.ACTIVE:
        _record(session, name, user, source_address, LoginOutcome.DISABLED, now)
        return LoginResult(LoginOutcome.DISABLED)
    _record(session, name, user, source_address, LoginOutcome.SUCCEEDED, now)
    user.last_login_at = now
    return LoginResult(LoginOutcome.SUCCEEDED, user)


def lockout_remaining(session: Session, name: str, rules: AccountRules, now: datetime) -> timedelta | None:
    """How long the username stays locked: lockout_failures failures since its last success, within the window."""
    window = timedelta(minutes=rules.lockout_minutes)
    since = session.scalar(select(func.max(LoginAttempt.at)).where(
        LoginAttempt.username == name, LoginAttempt.outcome == LoginOutcome.SUCCEEDED, LoginAttempt.at > now - window))
    failures = session.scalars(select(LoginAttempt.at).where(
        LoginAttempt.username == name, LoginAttempt.outcome == LoginOutcome.WRONG_PASSWORD,
        LoginAttempt.at > (since or now - window)).order_by(LoginAttempt.at.desc()).limit(rules.lockout_failures)).all()
    if len(failures) < rules.lockout_failures:
        return None
    # Locked until the oldest of the last lockout_failures failures leaves the window.
    return failures[-1] + window - now


def record_throttled(session: Session, username: str, source_address: str, now: datetime) -> None:
    """Record an attempt refused for its source address before anything was checked."""
    name = normalised_username(username)
    _record(session, name, find_user(session, name), source_address, LoginOutcome.THROTTLED, now)


def _record(session: Session, name: str, user: User | None, source_address: str, outcome: LoginOutcome,
            now: datetime) -> None:
    session.add(LoginAttempt(at=now, username=name, user_id=user.id if user else None,
                             source_address=source_address[:64], outcome=outcome))
    session.flush()


def recent_attempts(session: Session, limit: int = 50) -> list[LoginAttempt]:
    """The latest login attempts, newest first (for the admin page)."""
    return list(session.scalars(select(LoginAttempt).order_by(LoginAttempt.at.desc(), LoginAttempt.id.desc())
                                .limit(limit)))


def prune_login_records(session: Session, rules: AccountRules, now: datetime) -> int:
    """Delete login records older than the retention (VIDENSNET_LOGIN_RECORD_DAYS); returns how many."""
    cutoff = now - timedelta(days=rules.login_record_days)
    return session.execute(delete(LoginAttempt).where(LoginAttempt.at < cutoff)).rowcount
