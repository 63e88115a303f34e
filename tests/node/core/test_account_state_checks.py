"""Migration 0015: what it makes of existing accounts and tokens, and the database refusing states its enums lack."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import create_engine, text
from sqlalchemy.exc import IntegrityError

from node.accounts.logins import attempt_login
from node.accounts.sessions import open_session
from node.accounts.users import create_api_token, create_user
from node.core.config import AccountRules
from node.core.db import alembic_config, make_engine, make_sessionmaker, upgrade_database
from node.core.models import LoginOutcome, LoginSessionState, TokenState, UserState, utcnow
from tests.helpers.nodes import PASSWORD

COLUMNS = [("users", "state", UserState), ("api_tokens", "state", TokenState),
           ("login_sessions", "state", LoginSessionState), ("login_attempts", "outcome", LoginOutcome)]


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    """A database migrated to head with one row in each of the tables."""
    url = (f"sqlite:///{tmp_path / 'node.db'}" if request.param == "sqlite"
           else request.getfixturevalue("postgresql_server").new_database())
    upgrade_database(url)
    engine = make_engine(url)
    with make_sessionmaker(engine).begin() as session:
        user = create_user(session, "anna", PASSWORD, "admin")
        create_api_token(session, user, "test")
        open_session(session, user, "Firefox på Linux", "10.0.0.1", utcnow())
        attempt_login(session, "anna", PASSWORD, "10.0.0.1", AccountRules(), utcnow())
    engine.dispose()
    return url


@pytest.mark.parametrize("table, column, states", COLUMNS, ids=[c[0] for c in COLUMNS])
def test_the_database_refuses_an_unknown_value_and_takes_every_known_one(database_url, table, column, states):
    engine = create_engine(database_url)
    try:
        with pytest.raises(IntegrityError, match=f"ck_{table}_{column}"):
            with engine.begin() as conn:
                conn.execute(text(f"UPDATE {table} SET {column} = 'bogus'"))
        for state in states:
            with engine.begin() as conn:
                conn.execute(text(f"UPDATE {table} SET {column} = :value"), {"value": state.value})
    finally:
        engine.dispose()


def test_0015_makes_existing_accounts_and_tokens_active_and_the_tokens_never_expiring(tmp_path):
    url = f"sqlite:///{tmp_path / 'node.db'}"
    config = alembic_config(url)
    command.upgrade(config, "0014")
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO users (id, username, display_name, password_hash, role, created_at) "
                          "VALUES (1, 'anna', 'Anna', 'x', 'admin', CURRENT_TIMESTAMP)"))
        conn.execute(text("INSERT INTO api_tokens (id, user_id, name, token_hash, created_at) "
                          "VALUES (1, 1, 'gammel', 'h', CURRENT_TIMESTAMP)"))
    command.upgrade(config, "0015")
    with engine.begin() as conn:
        assert conn.execute(text("SELECT state, last_login_at FROM users")).one() == ("active", None)
        assert conn.execute(text("SELECT state, expires_at FROM api_tokens")).one() == ("active", None)
        conn.execute(text("UPDATE api_tokens SET state = 'revoked'"))
    command.downgrade(config, "0014")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM api_tokens")).scalar() == 0  # a revoked token stays dead
        assert conn.execute(text("SELECT username FROM users")).scalar() == "anna"
    engine.dispose()
