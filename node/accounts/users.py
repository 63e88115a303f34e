"""Local accounts: roles, password hashing (scrypt via Werkzeug) and API tokens that expire."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from node.core.models import ApiToken, Role, TokenState, User, UserState, utcnow
from node.core.translation import N_
from node.core.translation import gettext as _

ROLE_RANK = {Role.READER: 0, Role.EDITOR: 1, Role.PUBLISHER: 2, Role.ADMIN: 3}
ROLE_LABELS = {Role.READER: N_("Læser"), Role.EDITOR: N_("Redaktør"), Role.PUBLISHER: N_("Udgiver"),
               Role.ADMIN: N_("Administrator")}
MIN_PASSWORD_LENGTH = 12


@cache
def _dummy_hash() -> str:
    # A fixed hash to compare against when the user does not exist, so timing does not reveal it. Made on first
    # use, not at import: hashing takes about 0.1 s, which every command and web worker paid at start-up.
    return generate_password_hash("not-a-real-password")


class AccountError(ValueError):
    """A refused account change, with a message naming the field."""


def has_role(user: User | None, role: Role) -> bool:
    """True when the user holds the role or a higher one."""
    return user is not None and ROLE_RANK[Role(user.role)] >= ROLE_RANK[role]


def create_user(session: Session, username: str, password: str, role: str, display_name: str = "") -> User:
    """Add a user after checking the username, role and password strength."""
    if not re.fullmatch(r"[a-z0-9._-]{2,64}", username):
        raise AccountError(_("brugernavn: 2-64 tegn a-z, 0-9, '.', '_' eller '-'"))
    if role not in ROLE_RANK:
        raise AccountError(_("rolle: skal være en af %(roles)s", roles=", ".join(ROLE_RANK)))
    check_password_strength(password)
    if find_user(session, username):
        raise AccountError(_("brugernavn: '%(username)s' findes allerede", username=username))
    user = User(
        username=username,
        display_name=display_name or username,
        password_hash=hash_password(password),
        role=role,
        state=UserState.ACTIVE,
    )
    session.add(user)
    session.flush()
    return user


def check_password_strength(password: str, field: str = N_("adgangskode")) -> None:
    """Refuse a password too short to resist guessing, naming the form's field (a message marked with N_)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(_("%(field)s: mindst %(min)s tegn", field=_(field), min=MIN_PASSWORD_LENGTH))


def hash_password(password: str) -> str:
    """The scrypt hash a password is kept as."""
    return generate_password_hash(password)


def find_user(session: Session, username: str) -> User | None:
    """The account with this username, or None."""
    return session.scalar(select(User).where(User.username == username))


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The user whose password matches, whatever its state, else None (in constant-ish time)."""
    user = find_user(session, username)
    if user is None:
        check_password_hash(_dummy_hash(), password)
        return None
    return user if check_password_hash(user.password_hash, password) else None


def token_hash(secret: str) -> str:
    """The SHA-256 the database keeps of a token or session key, never the secret itself."""
    return hashlib.sha256(secret.encode()).hexdigest()


# A new token lives this long unless its creator chooses otherwise (CLI --expires-days, the /konto form).
DEFAULT_TOKEN_DAYS = 365
MAX_TOKEN_DAYS = 3650


class TokenRefused(ValueError):
    """A bearer token that may not be used, with the Danish reason the 401 gives."""


def create_api_token(session: Session, user: User, name: str, expires_days: int = DEFAULT_TOKEN_DAYS,
                     now: datetime | None = None) -> str:
    """Create a token for the user that expires after `expires_days` and return it; only its hash is kept."""
    if not 1 <= expires_days <= MAX_TOKEN_DAYS:
        raise AccountError(_("udløb: mellem 1 og %(max)s dage", max=MAX_TOKEN_DAYS))
    token = "vn_" + secrets.token_urlsafe(32)
    now = now or utcnow()
    session.add(ApiToken(user_id=user.id, name=name or "API", token_hash=token_hash(token), state=TokenState.ACTIVE,
                         created_at=now, expires_at=now + timedelta(days=expires_days)))
    session.flush()
    return token


def token_expired(token: ApiToken, now: datetime) -> bool:
    """Whether the token's expiry has passed (tokens from before expiry was introduced never expire)."""
    return token.expires_at is not None and token.expires_at <= now


# A token's last use is bookkeeping for the admin: recorded at most this often, so a busy client does not
# make every request a write (and wait for a long import's write lock).
TOKEN_USE_RECORDED_EVERY = timedelta(minutes=5)


def user_for_token(session: Session, token: str, now: datetime | None = None) -> User:
    """The active user a usable bearer token belongs to; TokenRefused says why not. Nothing is written."""
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == token_hash(token)))
    if row is None:
        raise TokenRefused("ugyldig eller ukendt API-nøgle")
    if row.state == TokenState.REVOKED:
        raise TokenRefused("API-nøglen er tilbagekaldt")
    if token_expired(row, now or utcnow()):
        raise TokenRefused("API-nøglen er udløbet; opret en ny på din kontoside")
    if row.user.state != UserState.ACTIVE:
        raise TokenRefused("kontoen bag API-nøglen er deaktiveret")
    return row.user


def record_token_use(session: Session, token: str, now: datetime) -> bool:
    """Note the token's use when the last note is older than TOKEN_USE_RECORDED_EVERY; True if it wrote."""
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == token_hash(token)))
    # Read first: most uses are recent enough to need no write at all, so they never wait for a write lock.
    if row is None or (row.last_used_at is not None and row.last_used_at > now - TOKEN_USE_RECORDED_EVERY):
        return False
    row.last_used_at = now
    return True
