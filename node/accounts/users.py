"""Local accounts: roles, password hashing (scrypt via Werkzeug) and API tokens."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from node.core.models import ApiToken, Role, User

ROLE_RANK = {Role.READER: 0, Role.EDITOR: 1, Role.PUBLISHER: 2, Role.ADMIN: 3}
ROLE_LABELS = {Role.READER: "Læser", Role.EDITOR: "Redaktør", Role.PUBLISHER: "Udgiver", Role.ADMIN: "Administrator"}
MIN_PASSWORD_LENGTH = 12
# A fixed hash to compare against when the user does not exist, so timing does not reveal it.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


class AccountError(ValueError):
    """A refused account change, with a message naming the field."""


def has_role(user: User | None, role: Role) -> bool:
    """True when the user holds the role or a higher one."""
    return user is not None and ROLE_RANK[Role(user.role)] >= ROLE_RANK[role]


def create_user(session: Session, username: str, password: str, role: str, display_name: str = "") -> User:
    """Add a user after checking the username, role and password strength."""
    if not re.fullmatch(r"[a-z0-9._-]{2,64}", username):
        raise AccountError("brugernavn: 2-64 tegn a-z, 0-9, '.', '_' eller '-'")
    if role not in ROLE_RANK:
        raise AccountError(f"rolle: skal være en af {', '.join(ROLE_RANK)}")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"adgangskode: mindst {MIN_PASSWORD_LENGTH} tegn")
    if session.scalar(select(User).where(User.username == username)):
        raise AccountError(f"brugernavn: '{username}' findes allerede")
    user = User(
        username=username,
        display_name=display_name or username,
        password_hash=generate_password_hash(password),
        role=role,
    )
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The user whose password matches, else None (in constant-ish time)."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    return user if check_password_hash(user.password_hash, password) else None


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_api_token(session: Session, user: User, name: str) -> str:
    """Create a token for the user and return it; only its hash is kept."""
    token = "vn_" + secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user.id, name=name or "API", token_hash=_token_hash(token)))
    session.flush()
    return token


# A token's last use is bookkeeping for the admin: recorded at most this often, so a busy client does not
# make every request a write (and wait for a long import's write lock).
TOKEN_USE_RECORDED_EVERY = timedelta(minutes=5)


def user_for_token(session: Session, token: str) -> User | None:
    """The user a bearer token belongs to; None for unknown tokens. Nothing is written (see record_token_use)."""
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == _token_hash(token)))
    return row.user if row is not None else None


def record_token_use(session: Session, token: str, now: datetime) -> bool:
    """Note the token's use when the last note is older than TOKEN_USE_RECORDED_EVERY; True if it wrote."""
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == _token_hash(token)))
    # Read first: most uses are recent enough to need no write at all, so they never wait for a write lock.
    if row is None or (row.last_used_at is not None and row.last_used_at > now - TOKEN_USE_RECORDED_EVERY):
        return False
    row.last_used_at = now
    return True
