"""Alembic environment: migrates the database named by the configured URL to node.core.models."""

from __future__ import annotations

from alembic import context
from sqlalchemy import TypeDecorator, create_engine, event, make_url, pool

import federation.models  # noqa: F401  (registers the federation tables on Base.metadata)
import node.accounts.saml_models  # noqa: F401  (the SAML logins' open requests and used assertions)
import node.audit.models  # noqa: F401  (the audit log)
import node.worker.lease  # noqa: F401  (the worker lease)
import search.models  # noqa: F401  (and the search outbox)
from node.core.models import Base

target_metadata = Base.metadata


def _render_item(type_: str, obj, autogen_context) -> str | bool:
    """Render TypeDecorators (UTCDateTime) as their plain SQLAlchemy type, so migrations never import node code."""
    if type_ == "type" and isinstance(obj, TypeDecorator):
        return f"sa.{obj.impl!r}"
    return False


def _options(dialect_name: str) -> dict:
    """Options shared by online and offline runs; batch mode lets SQLite ALTER tables."""
    return {
        "target_metadata": target_metadata,
        "compare_type": True,
        "render_as_batch": dialect_name == "sqlite",
        "render_item": _render_item,
    }


def _sqlite_foreign_keys_off(dbapi_conn, _record) -> None:
    # Batch migrations copy and drop tables; with foreign keys on, dropping a
    # parent table would cascade-delete the rows of its children.
    dbapi_conn.execute("PRAGMA foreign_keys=OFF")


def run_migrations_offline() -> None:
    """Write the migration SQL to stdout (`alembic upgrade --sql`) instead of running it."""
    url = context.config.get_main_option("sqlalchemy.url")
    context.configure(url=url, literal_binds=True, **_options(make_url(url).get_backend_name()))
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Connect to the configured database and migrate it in one transaction."""
    engine = create_engine(context.config.get_main_option("sqlalchemy.url"), poolclass=pool.NullPool)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_foreign_keys_off)
    with engine.connect() as connection:
        context.configure(connection=connection, **_options(engine.dialect.name))
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
