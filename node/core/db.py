"""Database engine and sessions, plus schema upgrades through Alembic."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import orjson
from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Column, Engine, Executable, Table, create_engine, event, insert
from sqlalchemy.orm import Session, sessionmaker

from node.core.collector import collector_paused
from node.core.private_files import FILE_MODE, private_file
from node.core.timestamps import UTCDateTime

_MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"


def make_engine(url: str) -> Engine:
    """An engine for the URL; SQLite gets foreign keys, WAL and a busy timeout."""
    # orjson writes and reads the JSON columns several times faster than the json module,
    # which matters when replication stores pages of items (docs/benchmarks.md).
    engine = create_engine(url, future=True, json_serializer=_json_text, json_deserializer=orjson.loads)
    if engine.dialect.name == "sqlite":
        _create_private_sqlite_file(engine.url.database)
        event.listen(engine, "connect", _tune_sqlite)
    elif engine.dialect.name == "postgresql":
        event.listen(engine, "connect", _plan_per_value)
    return engine


def _plan_per_value(dbapi_conn, _record) -> None:
    # psycopg prepares a statement run five times, and PostgreSQL may then keep one generic plan for all
    # values: a list filtered by a rare tag would walk the plan made for common ones (80 ms instead of 1 ms).
    with dbapi_conn.cursor() as cursor:
        cursor.execute("SET plan_cache_mode = force_custom_plan")
    dbapi_conn.commit()  # a SET is undone with the transaction it ran in


def _create_private_sqlite_file(database: str | None) -> None:
    # SQLite would create the file with the process umask (often 0644). Created 0600 first, it stays so, and
    # SQLite gives the -wal and -shm files it makes beside it the database file's mode.
    if database and database != ":memory:" and not database.startswith("file:"):
        path = Path(database)
        if path.is_file():
            # Never open and close an existing database file: closing any descriptor of it drops every POSIX
            # lock this process holds on it, those of its open SQLite connections too. Another process then
            # takes itself for the last connection, checkpoints and deletes the WAL, and this process's next
            # commits go to the deleted file and are lost (a second engine in one process did exactly that).
            path.chmod(FILE_MODE)
        elif path.parent.is_dir():
            private_file(path)


def _json_text(value: object) -> str:
    return orjson.dumps(value).decode("utf-8")


def _tune_sqlite(dbapi_conn, _record) -> None:
    # WAL lets the web server read while the CLI or scheduler writes. With WAL, synchronous=NORMAL
    # keeps every committed transaction through a crash of the process (kill -9); only a power cut
    # can undo the last few commits, and never corrupts the database. A replication batch commits
    # its checkpoint with its items, so an undone batch is simply pulled again. FULL would add an
    # fsync to every commit (docs/benchmarks.md, ingest).
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cur.close()


BUSY_TIMEOUT_MS = 10_000


@contextmanager
def without_waiting(session: Session) -> Iterator[None]:
    """Within the block, a write that finds SQLite locked fails at once instead of waiting (for bookkeeping).

    Other databases lock rows, not the whole file, so there is nothing to change there.
    """
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        yield
        return
    connection.exec_driver_sql("PRAGMA busy_timeout=0")
    try:
        yield
    finally:
        connection.exec_driver_sql(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")


def bulk_insert(session: Session, table: Table, rows: list[dict]) -> None:
    """Insert rows (all with the same keys, defaults included) in one executemany, values converted by column type.

    `session.execute(insert(table), rows)` gives the same rows, but its generic per-row
    parameter handling cost more than the database's own work when replication stores
    pages of items; converting each column with its type's processor directly is the
    same conversion without that overhead (docs/benchmarks.md, ingest).
    """
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect
    sql, converters, positional = _insert_statement(table, tuple(rows[0]), dialect)
    names = [name for name, _ in converters]
    if missing := set(names) - set(rows[0]):
        raise ValueError(f"bulk_insert into {table.name}: rows lack {sorted(missing)} "
                         "(column defaults are not applied)")
    columns = [_column_values(rows, name, convert) for name, convert in converters]
    values = list(zip(*columns))
    connection.exec_driver_sql(sql, values if positional else [dict(zip(names, v)) for v in values])


@lru_cache(maxsize=64)
def _insert_statement(table: Table, keys: tuple[str, ...], dialect) -> tuple[str, list[tuple[str, Any]], bool]:
    """The INSERT for these columns in the dialect's parameter style, (name, value converter) per parameter in order,
    and whether parameters are positional."""
    compiled = insert(table).inline().compile(dialect=dialect, column_keys=list(keys))
    names = list(compiled.positiontup) if compiled.positional else list(compiled.binds)
    return compiled.string, [(name, _bind_processor(table.c[name], dialect)) for name in names], compiled.positional


def _column_values(rows: list[dict], name: str, convert) -> list:
    if convert is None:
        return [row[name] for row in rows]
    return [convert(row[name]) for row in rows]


def _bind_processor(column: Column, dialect):
    if dialect.name == "sqlite" and isinstance(column.type, UTCDateTime):
        # The text SQLAlchemy writes, in one step: its generic chain (the decorator, then DATETIME's
        # %-formatting) was a tenth of a replication pull (docs/benchmarks.md, ingest).
        return _sqlite_datetime_text
    return column.type.dialect_impl(dialect).bind_processor(dialect)


def _sqlite_datetime_text(value: datetime | None) -> str | None:
    naive_utc = _UTC_DATETIME.process_bind_param(value, None)
    return None if naive_utc is None else naive_utc.isoformat(" ", "microseconds")


_UTC_DATETIME = UTCDateTime()


class NodeSession(Session):
    """A session that detaches its objects with the cyclic collector paused (docs/known-issues.md)."""

    # Every call of SQLAlchemy's InstanceState._detach_states from a session with expire_on_commit=False
    # goes through one of these two: expunge_all (close, reset, invalidate) and _expunge_states (expunge,
    # the expunging of new objects on rollback, orphans dropped by a flush).
    def expunge_all(self) -> None:
        """Remove every object from the session, with no cyclic collection meanwhile."""
        with collector_paused():
            super().expunge_all()

    def _expunge_states(self, states, to_transient: bool = False) -> None:
        with collector_paused():
            super()._expunge_states(states, to_transient=to_transient)


def make_sessionmaker(engine: Engine) -> sessionmaker[NodeSession]:
    """Sessions that keep loaded objects usable after commit and detach them safely on CPython 3.11."""
    return sessionmaker(engine, class_=NodeSession, expire_on_commit=False)


def alembic_config(url: str) -> AlembicConfig:
    """An Alembic configuration for the node's migrations and this database URL."""
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(_MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade_database(url: str) -> None:
    """Bring the schema to the newest migration (a no-op when it is current)."""
    command.upgrade(alembic_config(url), "head")


class SchemaNotAtHead(RuntimeError):
    """The database's schema is not the one this version of the node needs; `vidensnet migrate` brings it there."""

    def __init__(self, current: str | None, head: str):
        super().__init__(f"the database schema is at revision {current or 'none (empty database)'}, this version "
                         f"of vidensnet needs revision {head}: run 'vidensnet migrate' first")
        self.current, self.head = current, head


def schema_revisions(url: str) -> tuple[str | None, str]:
    """The database's current schema revision (None: never migrated) and the newest one the node knows."""
    head = ScriptDirectory.from_config(alembic_config(url)).get_current_head()
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()
    return current, head


def require_schema_at_head(url: str) -> None:
    """Raise SchemaNotAtHead unless the database's schema is at the newest migration (processes that never migrate)."""
    current, head = schema_revisions(url)
    if current != head:
        raise SchemaNotAtHead(current, head)


def query_plan(session: Session, statement: Executable) -> str:
    """How the database would run `statement` (SQLite's EXPLAIN QUERY PLAN, PostgreSQL's EXPLAIN), joined by ' / '."""
    dialect = session.get_bind().dialect
    sql = str(statement.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
    explain = "EXPLAIN QUERY PLAN " if dialect.name == "sqlite" else "EXPLAIN "
    # exec_driver_sql: the literal values are not read for bind parameters (a time's ':00' would be one).
    rows = session.connection().exec_driver_sql(explain + sql).all()
    return " / ".join(str(row[-1]).rstrip() for row in rows)
