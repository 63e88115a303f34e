"""Account acts, one rule for CLI, admin page and /konto: the last administrator, sessions ended, tokens revoked."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from node.accounts.lifecycle import (
    change_own_password,
    change_role,
    disable_user,
    enable_user,
    reset_password,
    revoke_token,
    token_state_label,
)
from node.accounts.sessions import Lifetimes, open_session, session_user
from node.accounts.users import AccountError, TokenRefused, authenticate, create_api_token, user_for_token
from node.audit.models import AuditEvent
from node.core.models import TOKEN_TRANSITIONS, USER_TRANSITIONS, ApiToken, User
from tests.helpers.nodes import PASSWORD

T0 = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
LIFETIMES = Lifetimes(idle=timedelta(hours=1), maximum=timedelta(hours=12))
NEW = "et-helt-nyt-kodeord"


@pytest.fixture
def session(sessions, users):
    """One transaction on a node with a user per role (one admin), rolled back afterwards."""
    with sessions() as session:
        yield session


def _user(session, username: str) -> User:
    return session.scalar(select(User).where(User.username == username))


def _login(session, username: str) -> str:
    return open_session(session, _user(session, username), "Firefox på Linux", "10.0.0.1", T0)


def test_the_last_active_admin_can_be_neither_disabled_nor_demoted(session):
    admin = _user(session, "admin")
    with pytest.raises(AccountError, match="^tilstand: admin er den sidste aktive administrator"):
        disable_user(session, admin, None, T0)
    with pytest.raises(AccountError, match="^rolle: admin er den sidste aktive administrator"):
        change_role(session, admin, "publisher", None)
    assert (admin.state, admin.role) == ("active", "admin")


def test_with_a_second_admin_one_can_be_demoted_but_nobody_disables_themselves(session):
    change_role(session, _user(session, "publisher"), "admin", None)
    with pytest.raises(AccountError, match="^tilstand: du kan ikke deaktivere din egen konto"):
        disable_user(session, _user(session, "admin"), _user(session, "admin"), T0)
    change_role(session, _user(session, "admin"), "reader", _user(session, "admin"))
    assert _user(session, "admin").role == "reader"


def test_a_disabled_admin_does_not_count_as_the_other_admin(session):
    change_role(session, _user(session, "publisher"), "admin", None)
    disable_user(session, _user(session, "publisher"), None, T0)
    with pytest.raises(AccountError, match="sidste aktive administrator"):
        disable_user(session, _user(session, "admin"), None, T0)


def test_disabling_ends_the_sessions_and_refuses_the_tokens_until_enabled(session):
    editor = _user(session, "editor")
    key, token = _login(session, "editor"), create_api_token(session, editor, "test", now=T0)
    assert disable_user(session, editor, _user(session, "admin"), T0) == 1
    assert session_user(session, key, LIFETIMES, T0) is None
    with pytest.raises(TokenRefused, match="deaktiveret"):
        user_for_token(session, token, T0)
    with pytest.raises(AccountError, match="^tilstand: editor er allerede deaktiveret"):
        disable_user(session, editor, None, T0)
    enable_user(session, editor, None)
    assert user_for_token(session, token, T0) is editor
    assert session_user(session, key, LIFETIMES, T0) is None  # the ended session stays ended


def test_a_role_change_refuses_unknown_roles_and_the_same_role(session):
    with pytest.raises(AccountError, match="^rolle: skal være en af"):
        change_role(session, _user(session, "editor"), "superuser", None)
    with pytest.raises(AccountError, match="^rolle: editor har allerede den rolle"):
        change_role(session, _user(session, "editor"), "editor", None)


def test_a_password_reset_checks_its_strength_and_ends_every_session(session):
    key = _login(session, "editor")
    with pytest.raises(AccountError, match="^ny adgangskode: mindst 12 tegn"):
        reset_password(session, _user(session, "editor"), "kort", _user(session, "admin"), T0)
    assert reset_password(session, _user(session, "editor"), NEW, _user(session, "admin"), T0) == 1
    assert session_user(session, key, LIFETIMES, T0) is None
    assert authenticate(session, "editor", NEW) is not None and authenticate(session, "editor", PASSWORD) is None


@pytest.mark.parametrize("current, new, repeated, refusal", [
    ("forkert-kode-123", NEW, NEW, "^nuværende adgangskode: den er ikke rigtig"),
    (PASSWORD, NEW, NEW + "x", "^gentag ny adgangskode: de to nye adgangskoder er ikke ens"),
    (PASSWORD, "kort", "kort", "^ny adgangskode: mindst 12 tegn"),
    (PASSWORD, PASSWORD, PASSWORD, "^ny adgangskode: den er den samme"),
])
def test_changing_ones_own_password_refuses_with_the_field_named(session, current, new, repeated, refusal):
    with pytest.raises(AccountError, match=refusal):
        change_own_password(session, _user(session, "editor"), current, new, repeated, T0, keep_key=None)
    assert authenticate(session, "editor", PASSWORD) is not None


def test_changing_ones_own_password_ends_the_other_sessions_only(session):
    here, elsewhere = _login(session, "editor"), _login(session, "editor")
    assert change_own_password(session, _user(session, "editor"), PASSWORD, NEW, NEW, T0, keep_key=here) == 1
    assert session_user(session, here, LIFETIMES, T0) is not None
    assert session_user(session, elsewhere, LIFETIMES, T0) is None


def test_a_user_revokes_only_their_own_tokens_and_an_admin_any(session):
    editor_token = create_api_token(session, _user(session, "editor"), "intranet", now=T0)
    row = session.scalar(select(ApiToken))
    with pytest.raises(AccountError, match="^nøgle: du kan kun tilbagekalde dine egne"):
        revoke_token(session, row, _user(session, "reader"), T0)
    revoke_token(session, row, _user(session, "admin"), T0)
    with pytest.raises(TokenRefused, match="tilbagekaldt"):
        user_for_token(session, editor_token, T0)
    with pytest.raises(AccountError, match="^nøgle: »intranet« er allerede tilbagekaldt"):
        revoke_token(session, row, None, T0)
    assert (token_state_label(row, T0), row.revoked_at) == ("Tilbagekaldt", T0)


def test_a_token_expires_after_its_days_and_an_unknown_one_is_refused(session):
    token = create_api_token(session, _user(session, "editor"), "kort", expires_days=2, now=T0)
    row = session.scalar(select(ApiToken))
    assert user_for_token(session, token, T0 + timedelta(days=2) - timedelta(seconds=1)).username == "editor"
    with pytest.raises(TokenRefused, match="^API-nøglen er udløbet"):
        user_for_token(session, token, T0 + timedelta(days=2))
    assert token_state_label(row, T0 + timedelta(days=3)) == "Udløbet"
    with pytest.raises(TokenRefused, match="^ugyldig eller ukendt API-nøgle"):
        user_for_token(session, "vn_not-a-token", T0)
    with pytest.raises(AccountError, match="^udløb: mellem 1 og 3650 dage"):
        create_api_token(session, _user(session, "editor"), "evig", expires_days=0)


def test_the_account_and_token_graphs_declare_the_moves_the_acts_make():
    assert [f"{a} -> {b}" for a, b in USER_TRANSITIONS.pairs()] == ["active -> disabled", "disabled -> active"]
    assert [f"{a} -> {b}" for a, b in TOKEN_TRANSITIONS.pairs()] == ["active -> revoked"]


def test_every_account_act_is_in_the_audit_log_with_who_did_it_and_to_whom(session):
    admin, editor = _user(session, "admin"), _user(session, "editor")
    token = session.get(ApiToken, _token_id(session, editor))

    disable_user(session, editor, admin, T0)
    enable_user(session, editor, admin)
    change_role(session, editor, "publisher", admin)
    reset_password(session, editor, NEW, None, T0)
    change_own_password(session, editor, NEW, NEW + "x", NEW + "x", T0, keep_key=None)
    revoke_token(session, token, editor, T0)

    rows = session.execute(select(AuditEvent.act, AuditEvent.actor_name, AuditEvent.subject)
                           .order_by(AuditEvent.id)).all()
    assert rows == [("user_disabled", "admin", "editor"), ("user_enabled", "admin", "editor"),
                    ("user_role_changed", "admin", "editor"), ("user_password_reset", "kommandolinje", "editor"),
                    ("user_password_changed", "editor", "editor"), ("token_revoked", "editor", "editor")]


def _token_id(session, user: User) -> int:
    create_api_token(session, user, "Skript")
    return session.scalar(select(ApiToken.id).where(ApiToken.user_id == user.id))
