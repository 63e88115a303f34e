"""The database engine: SQLite pragmas, and bulk_insert storing exactly what SQLAlchemy's own insert stores."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime

import pytest
from sqlalchemy import insert, text

from node.core.db import bulk_insert, make_engine, make_sessionmaker, upgrade_database
from node.core.models import Item, ItemStatus
from node.items.publishing import content_columns
from node.items.schema import validate_item

CONTENT = {"type": "bulletin", "title": "Uro ved stationen i Århus", "summary": "Grupper af unge 15-17 år.",
           "body": "Æbler, øl og årstider: \"citat\" og \\ og \n ny linje", "police_districts": ["Østjyllands Politi"],
           "tags": ["uro", "station"], "expires_at": "2027-03-01T12:30:00+01:00",
           "details": {"observations": [{"label": "Unge på stationen", "count": 12}]}}


def item_row(item_id: str) -> dict:
    content = validate_item(CONTENT, node_id="aarhus-kommune", now=datetime(2026, 11, 1, tzinfo=UTC))
    moment = datetime(2026, 11, 23, 8, 15, 30, 123456, tzinfo=UTC)
    return {**content_columns(content), "id": item_id, "origin": "aarhus-kommune", "version": 3,
            "status": ItemStatus.PUBLISHED, "published_at": moment, "updated_at": moment, "created_at": moment,
            "retracted_at": None, "author_id": None, "content_authors": []}


def stored(session, item_id: str) -> dict:
    row = session.execute(text("SELECT * FROM items WHERE id = :id"), {"id": item_id}).mappings().one()
    return {k: v for k, v in row.items() if k != "id"}


def assert_same_rows_as_sqlalchemy_insert(url: str) -> None:
    sessions = make_sessionmaker(make_engine(url))
    with sessions.begin() as session:
        session.execute(insert(Item.__table__), [item_row("aarhus-kommune:via-orm")])
        bulk_insert(session, Item.__table__, [item_row("aarhus-kommune:via-bulk")])
    with sessions() as session:
        assert stored(session, "aarhus-kommune:via-bulk") == stored(session, "aarhus-kommune:via-orm")
        read_back = session.get(Item, "aarhus-kommune:via-bulk")
    assert read_back.expires_at == datetime(2027, 3, 1, 11, 30, tzinfo=UTC)
    assert read_back.details == {"observations": [{"label": "Unge på stationen", "count": 12}]}
    assert read_back.status == ItemStatus.PUBLISHED and read_back.audience == {"districts": ["Østjyllands Politi"]}


def test_bulk_insert_stores_the_same_values_as_sqlalchemy_insert_on_sqlite(config):
    assert_same_rows_as_sqlalchemy_insert(config.database_url)


def test_bulk_insert_stores_the_same_values_as_sqlalchemy_insert_on_postgresql(postgresql_server):
    url = postgresql_server.new_database()
    upgrade_database(url)
    assert_same_rows_as_sqlalchemy_insert(url)


def test_bulk_insert_refuses_rows_that_leave_out_a_column_with_a_default(sessions):
    row = item_row("aarhus-kommune:uden-version")
    del row["version"]
    with sessions.begin() as session, pytest.raises(ValueError, match=r"rows lack \['version'\]"):
        bulk_insert(session, Item.__table__, [row])


def test_sqlite_connections_use_wal_with_normal_sync_and_enforce_foreign_keys(tmp_path):
    # NORMAL is only crash-safe together with WAL, so both are checked on every new connection.
    engine = make_engine(f"sqlite:///{tmp_path / 'pragmas.db'}")
    with engine.connect() as connection:
        values = [connection.exec_driver_sql(f"PRAGMA {name}").scalar()
                  for name in ("journal_mode", "synchronous", "foreign_keys")]
    assert values == ["wal", 1, 1]  # synchronous 1 = NORMAL


def test_a_second_engine_in_a_process_keeps_the_first_engine_s_commits_visible_to_other_processes(tmp_path):
    # Opening and closing the database file for its mode dropped this process's SQLite locks: another
    # process's connection then deleted the WAL, and the first engine's next commit went to the deleted file.
    url = f"sqlite:///{tmp_path / 'node.db'}"
    first = make_engine(url)
    with first.begin() as connection:
        connection.execute(text("CREATE TABLE t (v INTEGER)"))
        connection.execute(text("INSERT INTO t VALUES (1)"))
    held = first.connect()  # kept open, as the worker's lease connection is
    held.execute(text("SELECT 1"))
    held.commit()
    make_engine(url).dispose()
    other_process = (f"import sqlite3; db = sqlite3.connect({str(tmp_path / 'node.db')!r}); "
                     "db.execute('SELECT count(*) FROM t').fetchall(); db.close()")
    subprocess.run([sys.executable, "-c", other_process], check=True)
    held.execute(text("INSERT INTO t VALUES (2)"))
    held.commit()
    count = f"import sqlite3; print(sqlite3.connect({str(tmp_path / 'node.db')!r}).execute('SELECT count(*) FROM t')" \
            ".fetchone()[0])"
    assert subprocess.run([sys.executable, "-c", count], capture_output=True, text=True).stdout.strip() == "2"
    held.close()
    first.dispose()
