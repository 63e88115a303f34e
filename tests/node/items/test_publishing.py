"""Publishing service: versions, states, origin-only changes, expiry and the filter terms."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from node import housekeeping
from node.core.models import Item, ItemStatus, utcnow
from node.items.publishing import PublishingError, create_draft, publish, retract, revise
from node.items.schema import LocalRules, validate_item
from tests.helpers.nodes import acting_node

BY = acting_node("aarhus-kommune")


def content(**fields):
    data = {"type": "method", "title": "Hjemmebesøg", "summary": "Besøg i hjemmet.", "audience": "public",
            "tags": ["hjemmebesøg"], "municipalities": ["0751"], **fields}
    return validate_item(data, node_id=BY.node_id)


def test_draft_has_version_zero_and_each_published_change_adds_one(sessions):
    with sessions.begin() as session:
        item = create_draft(session, BY, content())
        assert (item.status, item.version) == (ItemStatus.DRAFT, 0)
        revise(session, item, BY, content(title="Hjemmebesøg hos familien"))
        assert item.version == 0
        publish(session, item, BY)
        assert (item.status, item.version) == (ItemStatus.PUBLISHED, 1)
        revise(session, item, BY, content(title="Hjemmebesøg, anden udgave"))
        revise(session, item, BY, content(title="Hjemmebesøg, anden udgave"))  # unchanged: no new version
        assert item.version == 2


def test_only_the_origin_node_may_change_an_item(sessions):
    with sessions.begin() as session:
        item = create_draft(session, BY, content())
        publish(session, item, BY)
        with pytest.raises(PublishingError):
            revise(session, item, acting_node("randers-kommune"), content(title="Overtaget"))
        with pytest.raises(PublishingError):
            retract(session, item, acting_node("randers-kommune"))


def test_retracted_item_cannot_be_revised_or_retracted_again(sessions):
    with sessions.begin() as session:
        item = create_draft(session, BY, content())
        with pytest.raises(PublishingError):
            retract(session, item, BY)
        publish(session, item, BY)
        retract(session, item, BY)
        assert item.status == ItemStatus.RETRACTED and item.retracted_at is not None
        with pytest.raises(PublishingError):
            revise(session, item, BY, content(title="Nyt liv"))


def test_bulletin_without_expiry_expires_ninety_days_after_publishing(sessions):
    with sessions.begin() as session:
        item = create_draft(session, BY, content(type="bulletin", audience="network"))
        publish(session, item, BY)
        assert abs(item.expires_at - (utcnow() + timedelta(days=90))) < timedelta(minutes=1)


def test_housekeeping_expires_items_whose_expiry_has_passed(sessions):
    with sessions.begin() as session:
        for local_id, delta in (("gammel", -1), ("ny", 60)):
            item = create_draft(session, BY, content(id=local_id))
            publish(session, item, BY)
            item.expires_at = utcnow() + timedelta(minutes=delta)
    assert housekeeping.run_cycle(sessions, BY, tombstone_days=180) == 1
    with sessions() as session:
        assert session.get(Item, "aarhus-kommune:gammel").status == ItemStatus.EXPIRED
        assert session.get(Item, "aarhus-kommune:ny").status == ItemStatus.PUBLISHED


def test_filter_terms_follow_the_list_fields_and_the_tags_keys(sessions):
    with sessions.begin() as session:
        item = create_draft(session, BY, content(tags=["a", "b"], cooperation=["SSP"]))
        revise(session, item, BY, content(tags=["b", "Skolefravær"], cooperation=[]))
        terms = {(t.field, t.value) for t in item.terms}
    assert terms == {("tags", "b"), ("tags", "Skolefravær"), ("tag_keys", "b"), ("tag_keys", "skolefravaer"),
                     ("municipalities", "0751")}


def test_bulletin_lifetime_is_cut_to_a_configured_maximum_below_ninety_days(sessions):
    short = replace(BY, rules=LocalRules(bulletin_max_days=30))
    with sessions.begin() as session:
        item = create_draft(session, short, content(type="bulletin", audience="network"))
        publish(session, item, short)
        assert abs(item.expires_at - (utcnow() + timedelta(days=30))) < timedelta(minutes=1)
