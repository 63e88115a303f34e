"""Recording into the audit log: only restricted items, one event per access, admin acts in the act's transaction."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlalchemy import func, select, text

from node.audit.log import COMMAND_LINE, AccessNotRecorded, Actor, record_access, record_admin_act, restricted_by_id
from node.audit.models import ActorKind, AuditAct, AuditEvent, AuditEventItem
from node.core.models import User
from tests.helpers.nodes import publish


def item(item_id: str, audience_kind: str, title: str = "Titel"):
    return SimpleNamespace(id=item_id, audience_kind=audience_kind, title=title)


@pytest.fixture
def reader(sessions, users) -> User:
    with sessions() as session:
        return session.scalar(select(User).where(User.username == "reader"))


def events(sessions) -> list[AuditEvent]:
    with sessions() as session:
        return list(session.scalars(select(AuditEvent).order_by(AuditEvent.id)))


def test_a_list_of_restricted_items_is_one_event_naming_each_restricted_item_and_not_the_public_ones(sessions, reader):
    shown = [item("a:1", "districts", "Bulletin"), item("a:2", "public"), item("a:3", "network", "Metode")]
    record_access(sessions, Actor.of_user(reader, "127.0.0.9"), AuditAct.LISTED, shown)
    [event] = events(sessions)
    assert (event.act, event.actor_name, event.actor_display_name, event.address) == (
        "listed", "reader", "Test reader", "127.0.0.9")
    assert [(i.item_id, i.audience_kind, i.title) for i in event.items] == [
        ("a:1", "districts", "Bulletin"), ("a:3", "network", "Metode")]
    assert event.item_count == 2


def test_an_access_to_public_items_only_records_nothing(sessions, reader):
    assert record_access(sessions, Actor.of_user(reader), AuditAct.VIEWED, [item("a:2", "public")]) is None
    assert events(sessions) == []


def test_the_record_keeps_the_users_name_after_the_account_is_deleted(sessions, reader):
    record_access(sessions, Actor.of_user(reader), AuditAct.VIEWED, [item("a:1", "nodes")])
    with sessions.begin() as session:
        session.delete(session.get(User, reader.id))
    [event] = events(sessions)
    assert event.actor_user_id is None and event.actor_name == "reader"


def test_a_search_keeps_its_words_cut_to_a_bounded_length(sessions, reader):
    record_access(sessions, Actor.of_user(reader), AuditAct.SEARCHED, [item("a:1", "districts")],
                  query="q: " + "ø" * 2000)
    [event] = events(sessions)
    assert event.query.startswith("q: øø") and len(event.query) == 500


def test_an_export_is_recorded_even_when_it_carries_nothing_restricted(sessions):
    record_access(sessions, COMMAND_LINE, AuditAct.EXPORTED, [item("a:2", "public")])
    [event] = events(sessions)
    assert event.actor_kind == ActorKind.COMMAND_LINE and event.actor_name == "kommandolinje"
    assert event.item_count == 0


def test_an_access_the_database_refuses_raises_instead_of_vanishing(sessions, reader):
    with sessions.begin() as session:
        session.execute(text("DROP TABLE audit_event_items"))
    with pytest.raises(AccessNotRecorded):
        record_access(sessions, Actor.of_user(reader), AuditAct.VIEWED, [item("a:1", "districts")])


def test_an_admin_act_is_committed_with_the_act_and_rolled_back_with_it(sessions):
    with sessions() as session:
        record_admin_act(session, COMMAND_LINE, AuditAct.PEER_BLOCKED, "randers-kommune")
        session.rollback()
    assert events(sessions) == []
    with sessions.begin() as session:
        record_admin_act(session, COMMAND_LINE, AuditAct.PEER_BLOCKED, "randers-kommune")
    [event] = events(sessions)
    assert (event.subject, event.description) == ("randers-kommune", "Blokerede en peer: randers-kommune")


def test_an_unknown_kind_of_act_is_refused(sessions):
    with sessions() as session, pytest.raises(ValueError):
        record_admin_act(session, COMMAND_LINE, "peer_befriended", "x")


def test_restricted_by_id_finds_the_held_restricted_items_in_the_given_order(sessions):
    publish(sessions, "offentlig")
    publish(sessions, "lukket-b", "lukket-a", audience="network")
    found = restricted_by_id(sessions(), ["aarhus-kommune:lukket-a", "aarhus-kommune:offentlig", "ukendt:x",
                                          "aarhus-kommune:lukket-b"])
    assert [f.id for f in found] == ["aarhus-kommune:lukket-a", "aarhus-kommune:lukket-b"]


def test_who_saw_an_item_is_answered_from_the_item_rows(sessions, reader):
    record_access(sessions, Actor.of_user(reader), AuditAct.LISTED, [item("a:1", "districts"), item("a:3", "nodes")])
    record_access(sessions, COMMAND_LINE, AuditAct.EXPORTED, [item("a:3", "nodes")])
    with sessions() as session:
        who = session.scalars(select(AuditEvent.actor_name).join(AuditEventItem)
                              .where(AuditEventItem.item_id == "a:3").order_by(AuditEvent.id)).all()
        assert who == ["reader", "kommandolinje"]
        assert session.scalar(select(func.count()).select_from(AuditEventItem)) == 3
