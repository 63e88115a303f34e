"""What may be done to an account, one rule for the CLI, the admin page and /konto.

Each act takes the acting user (None: the node's administrator at the command line) and refuses with
an AccountError naming the field. Nothing here commits; the caller does, and only then calls out.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash

from node.accounts.sessions import SessionEnd, end_user_sessions
from node.accounts.users import (
    ROLE_LABELS,
    ROLE_RANK,
    AccountError,
    check_password_strength,
    has_role,
    hash_password,
    token_expired,
)
from node.audit.log import Actor, record_admin_act
from node.audit.models import AuditAct
from node.core.models import TOKEN_TRANSITIONS, USER_TRANSITIONS, ApiToken, Role, TokenState, User, UserState
from node.core.translation import N_
from node.core.translation import gettext as _

STATE_LABELS = {UserState.ACTIVE: N_("Aktiv"), UserState.DISABLED: N_("Deaktiveret")}
# Why the last active administrator cannot lose the role: one whole message per form field.
LAST_ADMIN_DISABLED = N_("tilstand: %(username)s er den sidste aktive administrator og kan ikke deaktiveres")
LAST_ADMIN_ROLE = N_("rolle: %(username)s er den sidste aktive administrator og kan ikke miste rollen som "
                     "administrator")


def _other_active_admins(session: Session, user: User) -> int:
    # FOR UPDATE (PostgreSQL) so two admins disabling each other at once cannot both pass; SQLite writes one at a time.
    ids = select(User.id).where(User.role == Role.ADMIN, User.state == UserState.ACTIVE, User.id != user.id)
    return len(session.scalars(ids.with_for_update()).all())


def _guard_last_admin(session: Session, user: User, refusal: str) -> None:
    if user.role == Role.ADMIN and user.state == UserState.ACTIVE and not _other_active_admins(session, user):
        raise AccountError(_(refusal, username=user.username))


def disable_user(session: Session, user: User, by: User | None, now: datetime) -> int:
    """Disable the account and end its sessions at once (its tokens are refused while it lasts); returns sessions."""
    if user.state == UserState.DISABLED:
        raise AccountError(_("tilstand: %(username)s er allerede deaktiveret", username=user.username))
    if by is not None and by.id == user.id:
        raise AccountError(_("tilstand: du kan ikke deaktivere din egen konto"))
    _guard_last_admin(session, user, LAST_ADMIN_DISABLED)
    USER_TRANSITIONS.move(user, UserState.DISABLED)
    record_admin_act(session, Actor.of(by), AuditAct.USER_DISABLED, user.username)
    return end_user_sessions(session, user, SessionEnd.DISABLED, now)


def enable_user(session: Session, user: User, by: User | None) -> None:
    """Let a disabled account log in again; its unexpired, unrevoked tokens work again too."""
    if user.state == UserState.ACTIVE:
        raise AccountError(_("tilstand: %(username)s er allerede aktiv", username=user.username))
    USER_TRANSITIONS.move(user, UserState.ACTIVE)
    record_admin_act(session, Actor.of(by), AuditAct.USER_ENABLED, user.username)


def change_role(session: Session, user: User, role: str, by: User | None) -> None:
    """Give the account another role; it takes effect on its next request."""
    if role not in ROLE_RANK:
        raise AccountError(_("rolle: skal være en af %(roles)s", roles=", ".join(ROLE_RANK)))
    if role == user.role:
        raise AccountError(_("rolle: %(username)s har allerede den rolle", username=user.username))
    if role != Role.ADMIN:
        _guard_last_admin(session, user, LAST_ADMIN_ROLE)
    record_admin_act(session, Actor.of(by), AuditAct.USER_ROLE_CHANGED, user.username,
                     description=f"{user.username}: rollen {ROLE_LABELS[user.role]} er ændret til {ROLE_LABELS[role]}")
    user.role = role


def reset_password(session: Session, user: User, password: str, by: User | None, now: datetime) -> int:
    """Set a new password for the account (an administrator's act) and end all its sessions; returns how many."""
    check_password_strength(password, N_("ny adgangskode"))
    user.password_hash = hash_password(password)
    record_admin_act(session, Actor.of(by), AuditAct.USER_PASSWORD_RESET, user.username)
    return end_user_sessions(session, user, SessionEnd.PASSWORD, now)


def change_own_password(session: Session, user: User, current: str, new: str, repeated: str, now: datetime,
                        keep_key: str | None) -> int:
    """Change one's own password after checking the current one; ends every other session, returns how many."""
    if not check_password_hash(user.password_hash, current):
        raise AccountError(_("nuværende adgangskode: den er ikke rigtig"))
    if new != repeated:
        raise AccountError(_("gentag ny adgangskode: de to nye adgangskoder er ikke ens"))
    check_password_strength(new, N_("ny adgangskode"))
    if check_password_hash(user.password_hash, new):
        raise AccountError(_("ny adgangskode: den er den samme som den nuværende"))
    user.password_hash = hash_password(new)
    record_admin_act(session, Actor.of(user), AuditAct.USER_PASSWORD_CHANGED, user.username)
    return end_user_sessions(session, user, SessionEnd.PASSWORD, now, keep_key=keep_key)


def revoke_token(session: Session, token: ApiToken, by: User | None, now: datetime) -> None:
    """Revoke an API token for good: one's own, or anyone's for an administrator."""
    if by is not None and token.user_id != by.id and not has_role(by, Role.ADMIN):
        raise AccountError(_("nøgle: du kan kun tilbagekalde dine egne API-nøgler"))
    if token.state == TokenState.REVOKED:
        raise AccountError(_("nøgle: »%(name)s« er allerede tilbagekaldt", name=token.name))
    TOKEN_TRANSITIONS.move(token, TokenState.REVOKED)
    token.revoked_at = now
    record_admin_act(session, Actor.of(by), AuditAct.TOKEN_REVOKED, token.user.username,
                     description=f"API-nøglen »{token.name}« til {token.user.username} er tilbagekaldt")


def token_state_label(token: ApiToken, now: datetime) -> str:
    """The token's state in the interface language (Danish at the command line), expiry included."""
    if token.state == TokenState.REVOKED:
        return _("Tilbagekaldt")
    return _("Udløbet") if token_expired(token, now) else _("Aktiv")
