"""Every stored value that reaches a page has a Danish label, and the type words agree in gender."""

from __future__ import annotations

import pytest

from federation.models import AlertKind, PeerState, WaitsFor
from node.core.config import NODE_KINDS
from node.core.models import (
    Approval,
    HeldEntryState,
    ItemStatus,
    LoginOutcome,
    Role,
    SubscriptionState,
    TokenState,
    UserState,
)
from node.items.vocabulary import TYPES
from node.web.labels import definite, joined, key_source, label, new_item_heading

ENUMS = [("status", ItemStatus), ("approval", Approval), ("peer", PeerState), ("subscription", SubscriptionState),
         ("held_entry", HeldEntryState), ("token", TokenState), ("user", UserState), ("role", Role),
         ("login", LoginOutcome), ("waits_for", WaitsFor), ("alert", AlertKind)]


@pytest.mark.parametrize(("group", "enum"), ENUMS, ids=[group for group, _ in ENUMS])
def test_every_value_of_each_stored_enum_has_a_danish_label_that_is_not_the_value(group, enum):
    for value in enum:
        assert label(value.value, group) not in ("ukendt", value.value)


def test_every_node_kind_and_item_type_has_a_label():
    assert {kind: label(kind, "node_kind") for kind in NODE_KINDS} == {
        "municipality": "Kommune", "police": "Politikreds / Infohus", "national": "National aktør"}
    assert all(label(t, "type") == TYPES[t] for t in TYPES)


def test_an_unknown_value_is_never_shown_raw():
    assert label("something_new", "peer") == "ukendt"
    assert label(None, "peer") == "—"


def test_the_new_item_heading_agrees_with_the_gender_of_each_type():
    assert [new_item_heading(t) for t in ("practice", "method", "bulletin", "plan", "guidance")] == [
        "Nyt praksiseksempel", "Ny metode", "Ny tendensbulletin", "Ny handleplan", "Ny vejledning"]
    assert [definite(t) for t in ("practice", "method", "bulletin", "plan", "guidance")] == [
        "praksiseksemplet", "metoden", "tendensbulletinen", "handleplanen", "vejledningen"]


def test_a_key_source_is_told_in_words_with_the_endorsers_names():
    names = {"politi": "Østjyllands Politi", "dkr": "Det Kriminalpræventive Råd"}.get
    assert key_source("peering", "randers", names) == "Godkendt direkte som peer"
    assert key_source("dkr", "dkr", names) == "Tillidsanker sat op på denne node"
    assert key_source("politi,dkr", "randers", names) == "Anbefalet af Østjyllands Politi og Det Kriminalpræventive Råd"


def test_words_are_joined_with_commas_and_og():
    assert [joined([]), joined(["A"]), joined(["A", "B"]), joined(["A", "B", "C"])] == ["", "A", "A og B", "A, B og C"]


@pytest.fixture
def in_english(app):
    """A request from a visitor who chose English."""
    with app.test_request_context("/", headers={"Cookie": "sprog=en"}):
        yield


def test_labels_and_the_type_words_are_shown_in_english_for_an_english_visitor(in_english):
    assert [label(t, "type") for t in ("practice", "method", "bulletin", "plan", "guidance")] == [
        "Practice example", "Method", "Trend bulletin", "Action plan", "Guidance"]
    assert label("awaiting_approval", "status") == "Awaiting approval" and label("new", "peer") == "unknown"
    assert label("forebyggende", "prevention_level") == "preventive" and label("specifik", "choice") == "specific"
    assert new_item_heading("practice") == "New practice example" and new_item_heading("method") == "New method"
    assert definite("bulletin") == "the trend bulletin"


def test_a_key_source_and_joined_words_use_and_in_english_with_the_names_marked_danish(in_english):
    names = {"politi": "Østjyllands Politi", "dkr": "Det Kriminalpræventive Råd"}.get
    assert key_source("peering", "randers", names) == "Approved directly as a peer"
    assert key_source("politi,dkr", "randers", names) == ('Recommended by <span lang="da">Østjyllands Politi</span> '
                                                          'and <span lang="da">Det Kriminalpræventive Råd</span>')
    assert [joined(["A", "B"]), joined(["A", "B", "C"])] == ["A and B", "A, B and C"]
    assert joined(["<b>", "C"]) == "&lt;b&gt; and C"  # text is escaped, markup kept
