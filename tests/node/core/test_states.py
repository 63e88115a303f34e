"""Declared transitions: the mechanism, and the graph beside each state enum as the code uses it today."""

from __future__ import annotations

from enum import StrEnum
from types import SimpleNamespace

import pytest

from federation.models import PEER_TRANSITIONS, Peer, PeerState
from federation.peering import pull_failed, pull_succeeded
from node.core.models import (
    HELD_ENTRY_TRANSITIONS,
    ITEM_TRANSITIONS,
    SUBSCRIPTION_TRANSITIONS,
    FeedSubscription,
    HeldEntryState,
    HeldFeedEntry,
    Item,
    ItemStatus,
    SubscriptionState,
    utcnow,
)
from node.core.states import TransitionRefused, Transitions
from node.items.publishing import PublishingError, create_draft, publish, retract, revise
from node.items.schema import validate_item
from search.models import INDEX_TRANSITIONS, IndexState, IndexTask
from tests.helpers.nodes import acting_node

BY = acting_node("aarhus-kommune")
GRAPHS = {
    "items": (ITEM_TRANSITIONS, ItemStatus, Item),
    "subscriptions": (SUBSCRIPTION_TRANSITIONS, SubscriptionState, FeedSubscription),
    "held feed entries": (HELD_ENTRY_TRANSITIONS, HeldEntryState, HeldFeedEntry),
    "peers": (PEER_TRANSITIONS, PeerState, Peer),
    "index tasks": (INDEX_TRANSITIONS, IndexState, IndexTask),
}


class Light(StrEnum):
    RED = "red"
    GREEN = "green"
    BROKEN = "broken"


LIGHT = Transitions(Light, "colour", {Light.RED: (Light.GREEN,), Light.GREEN: (Light.RED, Light.BROKEN),
                                       Light.BROKEN: ()})


def content(**fields):
    data = {"type": "method", "title": "Hjemmebesøg", "summary": "Besøg i hjemmet.", "audience": "public", **fields}
    return validate_item(data, node_id=BY.node_id)


# The mechanism.

def test_a_declared_move_sets_the_column():
    lamp = SimpleNamespace(id=7, colour=Light.RED)
    LIGHT.move(lamp, Light.GREEN)
    assert lamp.colour == Light.GREEN


def test_an_undeclared_move_is_refused_naming_the_model_the_row_and_both_states():
    lamp = SimpleNamespace(id=7, colour="broken")  # as read back from the database: a plain string
    with pytest.raises(TransitionRefused) as refused:
        LIGHT.move(lamp, Light.GREEN)
    assert isinstance(refused.value, ValueError)
    assert str(refused.value) == "SimpleNamespace 7: broken -> green is not a declared transition"
    assert (refused.value.model, refused.value.current, refused.value.wanted) == ("SimpleNamespace", "broken", "green")
    assert lamp.colour == "broken"


def test_a_row_without_a_state_cannot_move():
    with pytest.raises(TransitionRefused):
        LIGHT.move(SimpleNamespace(colour=None), Light.RED)


def test_a_declaration_must_name_every_state_of_its_enum():
    with pytest.raises(ValueError, match=r"Light: no transitions declared for \['broken'\]"):
        Transitions(Light, "colour", {Light.RED: (Light.GREEN,), Light.GREEN: (Light.RED,)})


def test_a_declaration_refuses_states_of_another_enum():
    with pytest.raises(ValueError, match="another enum"):
        Transitions(Light, "colour", {Light.RED: (IndexState.DONE,), Light.GREEN: (), Light.BROKEN: ()})


def test_the_check_constraint_allows_exactly_the_enum_values():
    check = LIGHT.check_constraint()
    assert (check.name, str(check.sqltext)) == ("colour", "colour IN ('red', 'green', 'broken')")


# The declared graphs.

@pytest.mark.parametrize("name", GRAPHS)
def test_every_state_of_each_enum_is_declared_in_its_graph(name):
    graph, states, _ = GRAPHS[name]
    assert graph.states is states and list(graph.moves) == list(states)


@pytest.mark.parametrize("name", GRAPHS)
def test_each_state_column_has_the_graphs_check_constraint(name):
    graph, _, model = GRAPHS[name]
    checks = {c.name: str(c.sqltext) for c in model.__table__.constraints if c.name and c.name.startswith("ck_")}
    assert checks == {f"ck_{model.__tablename__}_{graph.column}": str(graph.check_constraint().sqltext)}


def test_the_graphs_declare_exactly_the_moves_the_code_makes():
    assert [f"{a} -> {b}" for a, b in ITEM_TRANSITIONS.pairs()] == [
        "draft -> awaiting_approval", "draft -> published", "awaiting_approval -> draft",
        "awaiting_approval -> published", "published -> published", "published -> retracted", "published -> expired"]
    assert [f"{a} -> {b}" for a, b in SUBSCRIPTION_TRANSITIONS.pairs()] == [
        "queued -> fetching", "fetching -> fetching", "fetching -> active", "fetching -> backing_off",
        "active -> queued", "active -> fetching", "backing_off -> queued", "backing_off -> fetching"]
    assert [f"{a} -> {b}" for a, b in HELD_ENTRY_TRANSITIONS.pairs()] == [
        "held -> held", "held -> rejected", "rejected -> held"]
    assert [f"{a} -> {b}" for a, b in PEER_TRANSITIONS.pairs()] == [
        "pending -> approved", "pending -> blocked",
        "approved -> approved", "approved -> backing_off", "approved -> suspended", "approved -> blocked",
        "backing_off -> approved", "backing_off -> backing_off", "backing_off -> suspended", "backing_off -> blocked",
        "suspended -> approved", "suspended -> blocked"]
    assert [f"{a} -> {b}" for a, b in INDEX_TRANSITIONS.pairs()] == ["queued -> done"]


def test_a_retracted_item_cannot_be_published_again():
    item = Item(id="aarhus-kommune:x", status=ItemStatus.RETRACTED)
    with pytest.raises(TransitionRefused, match="Item 'aarhus-kommune:x': retracted -> published"):
        ITEM_TRANSITIONS.move(item, ItemStatus.PUBLISHED)


@pytest.mark.parametrize("final", [ItemStatus.RETRACTED, ItemStatus.EXPIRED])
def test_retracted_and_expired_are_final(final):
    assert not any(ITEM_TRANSITIONS.allows(final, wanted) for wanted in ItemStatus)


def test_a_published_item_stays_published_for_a_new_version_but_a_draft_is_never_withdrawn():
    assert ITEM_TRANSITIONS.allows(ItemStatus.PUBLISHED, ItemStatus.PUBLISHED)
    assert not ITEM_TRANSITIONS.allows(ItemStatus.DRAFT, ItemStatus.RETRACTED)
    assert not ITEM_TRANSITIONS.allows(ItemStatus.DRAFT, ItemStatus.EXPIRED)
    assert not ITEM_TRANSITIONS.allows(ItemStatus.DRAFT, ItemStatus.DRAFT)


def test_a_pending_peer_cannot_back_off_before_it_is_approved():
    peer = Peer(id="randers-kommune", state=PeerState.PENDING, failures=0)
    with pytest.raises(TransitionRefused, match="Peer 'randers-kommune': pending -> backing_off"):
        PEER_TRANSITIONS.move(peer, PeerState.BACKING_OFF)
    assert (peer.state, peer.failures) == (PeerState.PENDING, 0)


@pytest.mark.parametrize("current", [PeerState.PENDING, PeerState.SUSPENDED, PeerState.BLOCKED])
def test_a_pull_that_ends_after_an_admin_stopped_the_peer_changes_nothing(current):
    # A pull runs in a worker; an admin may suspend or block its peer meanwhile.
    peer = Peer(id="randers-kommune", state=current, failures=0)
    pull_failed(peer, utcnow(), "forbindelsen blev afbrudt")
    pull_succeeded(peer, utcnow(), 30)
    assert (peer.state, peer.failures) == (current, 0)


def test_pulls_move_an_approved_peer_between_approved_and_backing_off():
    peer = Peer(id="randers-kommune", state=PeerState.APPROVED, failures=0)
    pull_failed(peer, utcnow(), "forbindelsen blev afbrudt")
    assert (peer.state, peer.failures) == (PeerState.BACKING_OFF, 1)
    pull_succeeded(peer, utcnow(), 30)
    assert (peer.state, peer.failures) == (PeerState.APPROVED, 0)


def test_a_done_index_task_is_never_queued_again():
    assert not INDEX_TRANSITIONS.allows(IndexState.DONE, IndexState.QUEUED)


# The services: the friendly check comes first, the graph makes the move.

def test_publishing_moves_an_item_along_its_graph_and_keeps_its_danish_refusals(sessions):
    with sessions.begin() as session:
        item = create_draft(session, BY, content())
        publish(session, item, BY)
        revise(session, item, BY, content(title="Hjemmebesøg, anden udgave"))
        assert (item.status, item.version) == (ItemStatus.PUBLISHED, 2)
        retract(session, item, BY)
        with pytest.raises(PublishingError, match="^kun en kladde kan udgives$"):
            publish(session, item, BY)
        with pytest.raises(PublishingError, match="^kun et udgivet emne kan trækkes tilbage$"):
            retract(session, item, BY)
        assert item.status == ItemStatus.RETRACTED
