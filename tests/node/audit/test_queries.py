"""Reading the audit log: filters from the form, pages newest first, retention pruning in batches."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from node import housekeeping
from node.audit.log import COMMAND_LINE, Actor
from node.audit.models import ActorKind, AuditAct, AuditEvent, AuditEventItem
from node.audit.queries import AuditFilterError, AuditFilters, list_events, prune_audit_events
from node.core.models import utcnow
from tests.helpers.nodes import acting_node

ANNA = Actor(ActorKind.USER, "anna", "Anna Jensen")


def add(sessions, actor: Actor, act: AuditAct, item_ids=(), at: datetime | None = None) -> None:
    """An event straight into the table, at a chosen time."""
    with sessions.begin() as session:
        session.add(AuditEvent(at=at or utcnow(), act=act, actor_kind=actor.kind, actor_name=actor.name,
                               actor_display_name=actor.display_name, subject="", description="x",
                               item_count=len(item_ids),
                               items=[AuditEventItem(position=n, item_id=i, audience_kind="districts", title=i)
                                      for n, i in enumerate(item_ids)]))


def acts(sessions, filters: AuditFilters) -> list[tuple[str, str]]:
    with sessions() as session:
        return [(e.actor_name, e.act) for e in list_events(session, filters, 1, 50).events]


def test_filters_by_user_by_item_by_kind_and_by_day(sessions):
    add(sessions, ANNA, AuditAct.VIEWED, ["a:1"], at=datetime(2026, 11, 30, 23, 59, tzinfo=UTC))
    add(sessions, COMMAND_LINE, AuditAct.EXPORTED, ["a:1", "a:2"], at=datetime(2026, 12, 1, 0, 0, tzinfo=UTC))
    add(sessions, ANNA, AuditAct.SEARCHED, ["a:2"], at=datetime(2026, 12, 2, 8, 0, tzinfo=UTC))
    assert acts(sessions, AuditFilters(actor="anna")) == [("anna", "searched"), ("anna", "viewed")]
    assert acts(sessions, AuditFilters(item_id="a:1")) == [("kommandolinje", "exported"), ("anna", "viewed")]
    assert acts(sessions, AuditFilters(act=AuditAct.SEARCHED)) == [("anna", "searched")]
    assert acts(sessions, AuditFilters(since=date(2026, 12, 1), until=date(2026, 12, 1))) == [
        ("kommandolinje", "exported")]


def test_the_item_filter_takes_an_items_address_as_well_as_its_id():
    filters = AuditFilters.from_args({"emne": "https://vidensnet.randers.dk/items/randers-kommune:uro-1a2b3c"})
    assert filters.item_id == "randers-kommune:uro-1a2b3c"
    assert AuditFilters.from_args({"emne": " randers-kommune:uro-1a2b3c "}).item_id == "randers-kommune:uro-1a2b3c"


@pytest.mark.parametrize("args, field", [
    ({"fra": "1. december"}, "fra:"), ({"til": "2026-13-01"}, "til:"), ({"handling": "hacked"}, "handling:"),
    ({"fra": "2026-12-02", "til": "2026-12-01"}, "til:"),
])
def test_a_bad_filter_is_refused_with_a_danish_message_naming_the_field(args, field):
    with pytest.raises(AuditFilterError) as refused:
        AuditFilters.from_args(args)
    assert str(refused.value).startswith(field)


def test_pages_are_newest_first_and_count_everything(sessions):
    for n in range(5):
        add(sessions, ANNA, AuditAct.VIEWED, [f"a:{n}"])
    with sessions() as session:
        page = list_events(session, AuditFilters(), 2, 2)
    assert page.total == 5 and page.pages == 3
    assert [e.items[0].item_id for e in page.events] == ["a:2", "a:1"]


def test_pruning_deletes_only_events_older_than_the_cutoff_with_their_items_a_batch_at_a_time(sessions):
    old = utcnow() - timedelta(days=800)
    for n in range(5):
        add(sessions, ANNA, AuditAct.LISTED, [f"a:{n}", "b:1"], at=old)
    add(sessions, ANNA, AuditAct.VIEWED, ["c:1"])
    cutoff = utcnow() - timedelta(days=730)
    with sessions.begin() as session:
        assert prune_audit_events(session, cutoff, batch=3) == 3
    with sessions.begin() as session:
        assert prune_audit_events(session, cutoff, batch=3) == 2
    with sessions() as session:
        assert session.scalars(select(AuditEventItem.item_id)).all() == ["c:1"]
        assert session.scalar(select(func.count()).select_from(AuditEvent)) == 1


def test_housekeeping_prunes_the_audit_log_by_the_retention_it_is_given(sessions):
    add(sessions, ANNA, AuditAct.VIEWED, ["a:1"], at=utcnow() - timedelta(days=11))
    add(sessions, ANNA, AuditAct.VIEWED, ["a:2"], at=utcnow() - timedelta(days=9))
    housekeeping.run_cycle(sessions, acting_node(), tombstone_days=180, audit_retention_days=10)
    assert acts(sessions, AuditFilters()) == [("anna", "viewed")]
    with sessions() as session:
        assert session.scalars(select(AuditEventItem.item_id)).all() == ["a:2"]


def test_housekeeping_works_off_a_large_backlog_over_several_cycles(sessions):
    for _ in range(7):
        add(sessions, ANNA, AuditAct.VIEWED, ["a:1"], at=utcnow() - timedelta(days=5))
    assert housekeeping.prune_audit_log(sessions, utcnow(), most=4) == 4
    assert housekeeping.prune_audit_log(sessions, utcnow(), most=4) == 3
