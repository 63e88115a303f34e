"""The audit log on PostgreSQL: recorded, filtered by item, user and day, exported and pruned as on SQLite."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

from sqlalchemy import update

from node.accounts.users import create_user
from node.audit.csv_export import csv_chunks
from node.audit.log import COMMAND_LINE, Actor, record_access, record_admin_act
from node.audit.models import AuditAct, AuditEvent
from node.audit.queries import AuditFilters, all_events, list_events, prune_audit_events
from node.core.db import make_engine, make_sessionmaker, upgrade_database
from node.core.models import utcnow
from tests.helpers.nodes import PASSWORD


def test_record_filter_export_and_prune_on_postgresql(postgresql_server):
    url = postgresql_server.new_database()
    upgrade_database(url)
    sessions = make_sessionmaker(make_engine(url))
    with sessions.begin() as session:
        anna = create_user(session, "anna", PASSWORD, "reader", "Anna Ærø")
    shown = [SimpleNamespace(id="p:1", audience_kind="districts", title="Uro")]
    record_access(sessions, Actor.of_user(anna, "10.0.0.7"), AuditAct.VIEWED, shown)
    with sessions.begin() as session:
        record_admin_act(session, COMMAND_LINE, AuditAct.PEER_APPROVED, "randers-kommune")
    with sessions() as session:
        assert [e.actor_name for e in list_events(session, AuditFilters(item_id="p:1"), 1, 10).events] == ["anna"]
        today = AuditFilters(actor="kommandolinje", since=utcnow().date(), until=utcnow().date())
        assert [e.act for e in list_events(session, today, 1, 10).events] == ["peer_approved"]
        text = "".join(csv_chunks(all_events(session, AuditFilters())))
    assert "Anna Ærø" in text and "Godkendte en peer" in text
    with sessions.begin() as session:
        session.execute(update(AuditEvent).where(AuditEvent.actor_name == "anna")
                        .values(at=utcnow() - timedelta(days=800)))
    with sessions.begin() as session:
        assert prune_audit_events(session, utcnow() - timedelta(days=730)) == 1
    with sessions() as session:
        assert [e.actor_name for e in list_events(session, AuditFilters(), 1, 10).events] == ["kommandolinje"]
