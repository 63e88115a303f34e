"""Migration 0008: the database itself refuses a state its enum does not have, on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import CheckConstraint, create_engine, inspect, text
from sqlalchemy.exc import IntegrityError

from federation.models import Peer, PeerState, PullOutcome, PullRecord
from node.core.db import alembic_config, make_engine, make_sessionmaker, upgrade_database
from node.core.models import (
    FeedSubscription,
    HeldEntryState,
    HeldFeedEntry,
    Item,
    ItemStatus,
    SubscriptionState,
    utcnow,
)
from node.items.publishing import create_draft
from node.items.schema import validate_item
from node.subscriptions.service import subscribe
from search.models import IndexState, IndexTask
from tests.helpers.nodes import acting_node

BY = acting_node("aarhus-kommune")
STATE_COLUMNS = [(Item, "status", ItemStatus), (FeedSubscription, "state", SubscriptionState),
                 (HeldFeedEntry, "state", HeldEntryState),
                 (Peer, "state", PeerState), (IndexTask, "state", IndexState),
                 (PullRecord, "outcome", PullOutcome)]


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    """A database migrated to head, holding one row in each table with a state column."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'node.db'}"
    else:
        url = request.getfixturevalue("postgresql_server").new_database()
    upgrade_database(url)
    engine = make_engine(url)
    with make_sessionmaker(engine).begin() as session:
        content = validate_item({"type": "method", "title": "Hjemmebesøg", "summary": "Besøg i hjemmet.",
                                 "audience": "public"}, node_id=BY.node_id)
        create_draft(session, BY, content)
        subscription = subscribe(session, "https://dkr.dk/feed")
        session.add(HeldFeedEntry(item_id="aarhus-kommune:feed-x", subscription_id=subscription.id,
                                  state=HeldEntryState.HELD, data={}, content_hash="h"))
        session.add(Peer(id="randers-kommune", name="Randers Kommune", kind="municipality", public_key="k",
                         descriptor="{}", url="http://randers.test", state=PeerState.PENDING, cursor=0, failures=0,
                         received_total=0))
        session.add(IndexTask(item_id="aarhus-kommune:x", state=IndexState.QUEUED, attempts=0))
        session.add(PullRecord(peer_id="randers-kommune", started_at=utcnow(), finished_at=utcnow(), stored=0,
                               rejected=0, outcome=PullOutcome.OK))
    engine.dispose()
    return url


def _set_state(url: str, table: str, column: str, value: str) -> None:
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text(f"UPDATE {table} SET {column} = :value"), {"value": value})
    finally:
        engine.dispose()


def _check_names(url: str) -> set[str]:
    engine = create_engine(url)
    with engine.connect() as conn:
        tables = [m.__tablename__ for m, _, _ in STATE_COLUMNS if inspect(conn).has_table(m.__tablename__)]
        names = {c["name"] for table in tables for c in inspect(conn).get_check_constraints(table)}
    engine.dispose()
    return names


@pytest.mark.parametrize("model, column, states", STATE_COLUMNS, ids=lambda v: getattr(v, "__tablename__", None))
def test_the_database_refuses_an_unknown_state_and_takes_every_known_one(database_url, model, column, states):
    table = model.__tablename__
    with pytest.raises(IntegrityError, match=f"ck_{table}_{column}"):
        _set_state(database_url, table, column, "bogus")
    for state in states:
        _set_state(database_url, table, column, state.value)


def test_the_migrated_constraints_are_the_ones_the_models_declare(database_url):
    declared = {c.name for model, _, _ in STATE_COLUMNS for c in model.__table__.constraints
                if isinstance(c, CheckConstraint)}
    assert _check_names(database_url) == declared == {
        "ck_items_status", "ck_feed_subscriptions_state", "ck_held_feed_entries_state", "ck_peers_state",
        "ck_index_tasks_state", "ck_pull_records_outcome"}


def test_downgrading_0008_removes_the_constraints(database_url):
    command.downgrade(alembic_config(database_url), "0007")
    assert _check_names(database_url) == set()
    _set_state(database_url, "items", "status", "bogus")
