"""The Alembic migrations build exactly the schema that node.core.models describes.

Every test runs on SQLite and on a real PostgreSQL server (see the
postgresql_server fixture in tests/conftest.py), each time in a new database.
"""

from __future__ import annotations

import importlib.util
import json
import pprint
import re
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.exc import IntegrityError

import federation.models  # noqa: F401  (the federation's and search's tables are part of the schema)
import node.accounts.saml_models  # noqa: F401
import node.audit.models  # noqa: F401
import node.worker.lease  # noqa: F401
import search.models  # noqa: F401
from node.core.db import SchemaNotAtHead, alembic_config, require_schema_at_head, schema_revisions, upgrade_database
from node.core.models import Base
from node.items.tags import TAG_KEYS, tag_key

MODEL_TABLES = set(Base.metadata.tables)
VERSIONS_DIR = Path(alembic_config("sqlite://").get_main_option("script_location")) / "versions"


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database_url(request, tmp_path):
    """The URL of an empty database: a new SQLite file, or a new PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'node.db'}"
    return request.getfixturevalue("postgresql_server").new_database()


def _tables_and_revision(url: str) -> tuple[set[str], str | None]:
    engine = create_engine(url)
    with engine.connect() as conn:
        tables = set(inspect(conn).get_table_names()) - {"alembic_version"}
        revision = MigrationContext.configure(conn).get_current_revision()
    engine.dispose()
    return tables, revision


def _schema_differences(url: str) -> list:
    engine = create_engine(url)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    engine.dispose()
    return differences


def _head_revision(url: str) -> str:
    return ScriptDirectory.from_config(alembic_config(url)).get_current_head()


def test_upgrade_head_builds_every_model_table_in_an_empty_database(empty_database_url):
    upgrade_database(empty_database_url)

    tables, revision = _tables_and_revision(empty_database_url)
    assert tables == MODEL_TABLES
    assert revision == _head_revision(empty_database_url)


def test_upgrade_head_is_a_no_op_on_a_current_database(empty_database_url):
    upgrade_database(empty_database_url)
    upgrade_database(empty_database_url)

    assert _tables_and_revision(empty_database_url) == (MODEL_TABLES, _head_revision(empty_database_url))


def test_migrated_schema_matches_the_models_exactly(empty_database_url):
    upgrade_database(empty_database_url)

    differences = _schema_differences(empty_database_url)
    assert differences == [], (
        "node/core/models.py and node/migrations disagree; add a migration "
        "(alembic revision --autogenerate) for:\n" + pprint.pformat(differences)
    )


def test_downgrade_to_base_drops_everything_and_upgrade_rebuilds_it(empty_database_url):
    upgrade_database(empty_database_url)

    command.downgrade(alembic_config(empty_database_url), "base")
    assert _tables_and_revision(empty_database_url) == (set(), None)

    upgrade_database(empty_database_url)
    assert _tables_and_revision(empty_database_url) == (MODEL_TABLES, _head_revision(empty_database_url))
    assert _schema_differences(empty_database_url) == []


def test_migration_scripts_do_not_import_node_code():
    scripts = sorted(VERSIONS_DIR.glob("*.py"))
    assert scripts, f"no migrations found in {VERSIONS_DIR}"
    offenders = [p.name for p in scripts if re.search(r"^\s*(from|import)\s+node\b", p.read_text(), re.M)]
    assert offenders == [], f"migrations must stay valid when the models change; they import node: {offenders}"


def test_key_revocation_migration_starts_the_grace_window_of_earlier_previous_keys_at_the_upgrade(empty_database_url):
    config = alembic_config(empty_database_url)
    command.upgrade(config, "0009")
    engine = create_engine(empty_database_url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO known_nodes (id, public_key, name, kind, descriptor, vouched_by, previous_keys, "
                          "rotations, updated_at) VALUES ('randers-kommune', 'k3', 'Randers', 'municipality', '{}', "
                          "'test', '[\"k1\", \"k2\"]', '[]', CURRENT_TIMESTAMP)"))
    command.upgrade(config, "0011")
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT node_id, public_key, retired_at IS NOT NULL, revoked_since FROM retired_keys "
                                 "ORDER BY public_key")).all()
    engine.dispose()
    assert [tuple(r) for r in rows] == [("randers-kommune", "k1", True, None), ("randers-kommune", "k2", True, None)]


def test_the_feed_table_keeps_autoincrement_on_sqlite_so_seqs_are_never_reused(tmp_path):
    # A batch-mode migration recreates the table without AUTOINCREMENT: a replaced row would then
    # get the seq it had, and peers whose cursor is past it would never see the new version.
    url = f"sqlite:///{tmp_path / 'node.db'}"
    upgrade_database(url)
    engine = create_engine(url)
    with engine.connect() as conn:
        sql = conn.exec_driver_sql("SELECT sql FROM sqlite_master WHERE name = 'envelopes'").scalar()
    engine.dispose()
    assert "AUTOINCREMENT" in sql


def test_content_authors_migration_makes_the_creator_the_author_of_unpublished_items_only(empty_database_url):
    config = alembic_config(empty_database_url)
    command.upgrade(config, "0013")
    engine = create_engine(empty_database_url)
    columns = ("id, type, status, origin, version, title, summary, body, audience, audience_kind, tags, "
               "municipalities, police_districts, target_groups, cooperation, details, content_hash, "
               "created_at, updated_at, author_id")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO users (id, username, display_name, password_hash, role, created_at) "
                          "VALUES (1, 'editor', 'E', 'x', 'editor', CURRENT_TIMESTAMP)"))
        for item_id, status in (("n:venter", "awaiting_approval"), ("n:udgivet", "published")):
            conn.execute(text(f"INSERT INTO items ({columns}) VALUES (:id, 'bulletin', :status, 'n', 0, 't', 's', "
                              "'', '\"network\"', 'network', '[]', '[]', '[]', '[]', '[]', '{}', 'h', "
                              "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1)"), {"id": item_id, "status": status})
    command.upgrade(config, "0014")
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT id, content_authors, approved_authors FROM items ORDER BY id")).all()
    engine.dispose()
    as_lists = [(i, json.loads(a) if isinstance(a, str) else a, b) for i, a, b in rows]
    assert as_lists == [("n:udgivet", [], None), ("n:venter", ["editor"], None)]


def test_safe_feeds_migration_keeps_existing_subscriptions_publishing_directly_and_downgrades_new_states(
        empty_database_url):
    config = alembic_config(empty_database_url)
    command.upgrade(config, "0014")
    engine = create_engine(empty_database_url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO feed_subscriptions (id, url, state, created_at, failures, entries_seen, skipped)"
                          " VALUES (1, 'https://dkr.dk/feed', 'active', CURRENT_TIMESTAMP, 0, 0, '[]')"))
    command.upgrade(config, "0017")
    with engine.begin() as conn:
        row = conn.execute(text("SELECT hold_for_review, entries_over_limit FROM feed_subscriptions")).one()
        conn.execute(text("UPDATE feed_subscriptions SET state = 'queued'"))
    assert (bool(row[0]), row[1]) == (False, 0)
    command.downgrade(config, "0014")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT state FROM feed_subscriptions")).scalar() == "active"
        assert "held_feed_entries" not in inspect(conn).get_table_names()
    engine.dispose()


def test_processes_that_never_migrate_are_refused_a_schema_not_at_head_with_both_revisions_named(empty_database_url):
    head = _head_revision(empty_database_url)
    assert schema_revisions(empty_database_url) == (None, head)
    with pytest.raises(SchemaNotAtHead, match=f"revision none .*needs revision {head}: run 'vidensnet migrate'"):
        require_schema_at_head(empty_database_url)
    upgrade_database(empty_database_url)
    command.downgrade(alembic_config(empty_database_url), "-1")
    previous = ScriptDirectory.from_config(alembic_config(empty_database_url)).get_revision(head).down_revision
    with pytest.raises(SchemaNotAtHead, match=f"schema is at revision {previous},"):
        require_schema_at_head(empty_database_url)
    upgrade_database(empty_database_url)
    require_schema_at_head(empty_database_url)


def test_return_reason_migration_keeps_bulletins_and_leaves_earlier_returns_without_a_reason(empty_database_url):
    config = alembic_config(empty_database_url)
    command.upgrade(config, "0020")
    engine = create_engine(empty_database_url)
    columns = ("id, type, status, origin, version, title, summary, body, audience, audience_kind, tags, "
               "municipalities, police_districts, target_groups, cooperation, details, content_hash, "
               "created_at, updated_at, content_authors")
    with engine.begin() as conn:
        conn.execute(text(f"INSERT INTO items ({columns}) VALUES ('n:kladde', 'bulletin', 'draft', 'n', 0, 't', 's', "
                          "'', '\"network\"', 'network', '[]', '[]', '[]', '[]', '[]', '{}', 'h', "
                          "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, '[\"editor\"]')"))
    command.upgrade(config, "0021")
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT id, status, return_reason, returned_at, returned_by_id FROM items")).all()
    assert [tuple(r) for r in rows] == [("n:kladde", "draft", None, None, None)]
    command.downgrade(config, "0020")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT id, status FROM items")).all() == [("n:kladde", "draft")]
        assert "return_reason" not in {c["name"] for c in inspect(conn).get_columns("items")}
    engine.dispose()


def test_pull_records_migration_adds_the_history_with_its_outcome_check_and_its_downgrade_drops_it(
        empty_database_url):
    config = alembic_config(empty_database_url)
    command.upgrade(config, "0021")
    command.upgrade(config, "0022")
    engine = create_engine(empty_database_url)
    insert = ("INSERT INTO pull_records (peer_id, started_at, finished_at, stored, rejected, outcome)"
              " VALUES ('randers-kommune', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 3, 0, :outcome)")
    with engine.begin() as conn:
        conn.execute(text(insert), {"outcome": "ok"})
    with pytest.raises(IntegrityError, match="ck_pull_records_outcome"), engine.begin() as conn:
        conn.execute(text(insert), {"outcome": "bogus"})
    command.downgrade(config, "0021")
    with engine.connect() as conn:
        assert "pull_records" not in inspect(conn).get_table_names()
    engine.dispose()


def test_tag_keys_migration_gives_existing_items_their_tags_keys_and_its_downgrade_removes_them(empty_database_url):
    config = alembic_config(empty_database_url)
    command.upgrade(config, "0023")
    engine = create_engine(empty_database_url)
    columns = ("id, type, status, origin, version, title, summary, body, audience, audience_kind, tags, "
               "municipalities, police_districts, target_groups, cooperation, details, content_hash, "
               "created_at, updated_at, content_authors")
    with engine.begin() as conn:
        for item_id in ("n:a", "n:b"):
            conn.execute(text(f"INSERT INTO items ({columns}) VALUES (:id, 'practice', 'published', 'n', 0, 't', "
                              "'s', '', '\"public\"', 'public', '[]', '[]', '[]', '[]', '[]', '{}', 'h', "
                              "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, '[]')"), {"id": item_id})
        for item_id, field, value in (("n:a", "tags", "Skolefravær"), ("n:a", "tags", "skolefravaer"),
                                      ("n:a", "municipalities", "0751"), ("n:b", "tags", "Gade  Plan")):
            conn.execute(text("INSERT INTO item_terms (item_id, field, value) VALUES (:i, :f, :v)"),
                         {"i": item_id, "f": field, "v": value})
    command.upgrade(config, "0025")
    keys = "SELECT item_id, value FROM item_terms WHERE field = 'tag_keys' ORDER BY item_id"
    with engine.connect() as conn:
        assert [tuple(r) for r in conn.execute(text(keys))] == [("n:a", "skolefravaer"), ("n:b", "gade plan")]
        assert "ix_item_terms_field_value" in {i["name"] for i in inspect(conn).get_indexes("item_terms")}
    command.downgrade(config, "0023")
    with engine.connect() as conn:
        assert conn.execute(text(keys)).all() == []
        assert conn.execute(text("SELECT count(*) FROM item_terms")).scalar() == 4
        assert "ix_item_terms_field_value" not in {i["name"] for i in inspect(conn).get_indexes("item_terms")}
    engine.dispose()


def test_tag_keys_migration_folds_tags_as_the_node_does():
    spec = importlib.util.spec_from_file_location("tag_keys_migration", VERSIONS_DIR / "0025_tag_keys.py")
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    tags = ["Skolefravær", "SKOLEFRAVÆR", " Øresund  bro ", "Åben skole", "Müller", "Café", "Ärger", "Öl"]
    assert [migration.tag_key(t) for t in tags] == [tag_key(t) for t in tags]
    assert migration.TAG_KEYS == TAG_KEYS
