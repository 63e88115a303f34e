"""The node works unchanged on PostgreSQL: migrations, import, filters, visibility, API and forms."""

from __future__ import annotations

import dataclasses
import json

import pytest

from node.accounts.users import create_user
from node.core.db import make_engine, make_sessionmaker, upgrade_database
from node.items.files import import_items
from node.items.queries import ItemFilters, list_items
from node.web.app import create_app
from tests.helpers.live_nodes import DEMO_FILES
from tests.helpers.nodes import PASSWORD, acting_node
from tests.helpers.web import login


@pytest.fixture
def pg_config(config, postgresql_server):
    """The test node's configuration pointed at a new PostgreSQL database."""
    pg = dataclasses.replace(config, database_url=postgresql_server.new_database())
    upgrade_database(pg.database_url)
    return pg


def test_postgresql_connections_plan_each_statement_for_its_values_after_rollbacks_too(pg_config):
    engine = make_engine(pg_config.database_url)
    for _ in range(2):  # the second connection is the first back from the pool, rolled back on its return
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SHOW plan_cache_mode").scalar() == "force_custom_plan"
            conn.rollback()
    engine.dispose()


def test_demo_corpus_imports_and_filters_on_postgresql(pg_config):
    sessions = make_sessionmaker(make_engine(pg_config.database_url))
    with sessions.begin() as session:
        for path in DEMO_FILES:
            import_items(session, acting_node("aarhus-kommune"), path.read_text(encoding="utf-8").splitlines())
    with sessions() as session:
        everything = list_items(session, None, ItemFilters(), 1, 500)
        in_aarhus = list_items(session, None, ItemFilters(terms=(("municipalities", "0751"),)), 1, 500)
    assert everything.total > 0
    assert 0 < in_aarhus.total <= everything.total
    assert all("0751" in i.municipalities for i in in_aarhus.items)
    assert all(i.audience_kind == "public" for i in everything.items)


def test_reimport_is_unchanged_and_api_and_forms_work_on_postgresql(pg_config):
    sessions = make_sessionmaker(make_engine(pg_config.database_url))
    line = json.dumps({"id": "psp-netvaerk", "type": "practice", "title": "PSP-netværk i Østjylland",
                       "summary": "Politi, socialforvaltning og psykiatri mødes.", "audience": "network",
                       "cooperation": ["PSP"], "details": {"key_themes": ["psykiatri"]}}, ensure_ascii=False)
    for expected in ("1 oprettet", "1 uændret"):
        with sessions.begin() as session:
            assert expected in str(import_items(session, acting_node("aarhus-kommune"), [line]))
    with sessions.begin() as session:
        create_user(session, "reader", PASSWORD, "reader")
    client = create_app(pg_config).test_client()
    assert client.get("/api/v1/items").get_json()["total"] == 0
    login(client, "reader")
    items = client.get("/api/v1/items?cooperation=PSP").get_json()["items"]
    assert [i["details"] for i in items] == [{"key_themes": ["psykiatri"]}]
    assert "PSP-netværk i Østjylland" in client.get("/praksis?cooperation=PSP").get_data(as_text=True)
