"""Narrowing an item's audience: nodes outside the new audience that held an earlier version drop it."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from federation.audience import NodeView
from federation.changes import changes_since, envelope_texts_for
from federation.identity import public_key_text
from federation.ingest import Outcome, ingest, ingest_page
from federation.models import Envelope
from federation.replication import _missing
from federation.wire import check_item_payload, open_envelope, seal, withdrawal_payload
from node.core.models import Item
from search.models import IndexTask
from tests.helpers.envelopes import ME, ORIGIN_KEY, envelope, know_origin
from tests.helpers.nodes import SINKS, TEST_KEY, publish

OESTJYLLAND = {"districts": ["Østjyllands Politi"]}
NORDJYLLAND = {"districts": ["Nordjyllands Politi"]}
RANDERS = NodeView("randers-kommune", "municipality", "0730")  # Østjyllands Politi
ODENSE = NodeView("odense-kommune", "municipality", "0461")  # Fyns Politi
AALBORG = NodeView("aalborg-kommune", "municipality", "0851")  # Nordjyllands Politi
DKR = NodeView("det-kriminalpraeventive-raad", "national")


def withdrawal(version: int, audience, withdrawn_from=("network",)):
    return seal(withdrawal_payload("randers-kommune:plan", "randers-kommune", version, audience, list(withdrawn_from),
                                   "2026-11-03T00:00:00Z"), ORIGIN_KEY)


def served(session, item_id: str, reader: NodeView) -> tuple[list[str], list[str]]:
    """The change kinds and the envelope payload types `reader` gets for one item."""
    changes, _, _ = changes_since(session, 0, 100, reader)
    texts = envelope_texts_for(session, [item_id], reader)
    return [c.kind for c in changes if c.id == item_id], [json.loads(t)["payload"]["type"] for t in texts]


def test_narrowing_the_audience_signs_a_withdrawal_that_only_nodes_outside_the_new_audience_receive(sessions):
    publish(sessions, "a", audience="network")
    publish(sessions, "a", audience=OESTJYLLAND, summary="Nu kun for Østjylland")
    with sessions() as session:
        assert served(session, "aarhus-kommune:a", RANDERS) == (["item"], ["vidensnet.item", "vidensnet.withdrawal"])
        assert served(session, "aarhus-kommune:a", DKR) == (["withdrawal"], ["vidensnet.withdrawal"])
        [text] = envelope_texts_for(session, ["aarhus-kommune:a"], DKR)
    payload = check_item_payload(open_envelope(json.loads(text), public_key_text(TEST_KEY.public_key())))
    assert (payload["version"], payload["audience"], payload["withdrawn_from"]) == (2, OESTJYLLAND, ["network"])
    assert "Nu kun" not in text


def test_a_node_never_inside_any_audience_of_the_item_gets_nothing(sessions):
    publish(sessions, "a", audience={"districts": ["Fyns Politi", "Østjyllands Politi"]})
    publish(sessions, "a", audience=OESTJYLLAND, summary="smallere")
    with sessions() as session:
        assert served(session, "aarhus-kommune:a", ODENSE) == (["withdrawal"], ["vidensnet.withdrawal"])
        assert served(session, "aarhus-kommune:a", AALBORG) == ([], [])
        assert served(session, "aarhus-kommune:a", DKR) == ([], [])


def test_a_withdrawal_drops_the_earlier_version_held_outside_the_new_audience_and_is_passed_on(sessions):
    with sessions.begin() as session:
        know_origin(session)
        ingest(session, envelope(1, audience="network"), "p", ME, SINKS)
        assert ingest(session, withdrawal(2, NORDJYLLAND), "p", ME, SINKS) == Outcome.WITHDRAWN
        assert session.get(Item, "randers-kommune:plan") is None
        row = session.scalars(select(Envelope)).one()
        assert (row.kind, row.version, row.withdrawn_from) == ("withdrawal", 2, ["network"])
        assert session.scalar(select(func.count()).select_from(IndexTask)) == 2  # indexed, then removed
        assert ingest(session, envelope(1, audience="network"), "p", ME, SINKS) == Outcome.SKIPPED  # a replay stays out
    with sessions() as session:
        assert served(session, "randers-kommune:plan", ODENSE) == (["withdrawal"], ["vidensnet.withdrawal"])
        assert served(session, "randers-kommune:plan", AALBORG) == ([], [])  # it gets the item from elsewhere


def test_a_node_inside_the_narrowed_audience_keeps_the_item_and_passes_the_withdrawal_on(sessions):
    with sessions.begin() as session:
        know_origin(session)
        page = [envelope(2, audience=OESTJYLLAND), withdrawal(2, OESTJYLLAND)]
        assert ingest_page(session, page, "p", ME, SINKS) == [Outcome.STORED, Outcome.SKIPPED]
        assert session.get(Item, "randers-kommune:plan").audience == OESTJYLLAND
    with sessions() as session:
        assert served(session, "randers-kommune:plan", RANDERS) == (
            ["item"], ["vidensnet.item", "vidensnet.withdrawal"])
        assert served(session, "randers-kommune:plan", DKR) == (["withdrawal"], ["vidensnet.withdrawal"])


def test_a_withdrawal_for_an_item_never_held_here_is_kept_so_an_earlier_version_arriving_later_is_skipped(sessions):
    # Found by the fault test: a node that skipped the withdrawal (holding nothing yet) later took version 1 from
    # a slower relay (or its waiting list) and kept it for good, with no withdrawal left to come.
    with sessions.begin() as session:
        know_origin(session)
        assert ingest(session, withdrawal(2, NORDJYLLAND), "p", ME, SINKS) == Outcome.WITHDRAWN
        assert ingest(session, envelope(1, audience="network"), "q", ME, SINKS) == Outcome.SKIPPED
        assert session.scalars(select(Envelope.kind)).all() == ["withdrawal"]
        assert session.scalar(select(func.count()).select_from(Item)) == 0


def test_a_pull_asks_for_a_withdrawal_unless_it_holds_that_version_or_an_end_and_skips_malformed_changes(sessions):
    with sessions.begin() as session:
        know_origin(session)
        ingest(session, envelope(1, audience="network"), "p", ME, SINKS)
    changes = [{"id": "randers-kommune:plan", "version": 2, "kind": "withdrawal"},
               {"id": "randers-kommune:ukendt", "version": 2, "kind": "withdrawal"},
               {"version": 3, "kind": "item"}, {"id": "randers-kommune:ny", "version": "x", "kind": "item"},
               {"id": "randers-kommune:ny", "version": 1, "kind": "item"}]
    with sessions() as session:
        assert _missing(session, changes) == ["randers-kommune:plan", "randers-kommune:ukendt", "randers-kommune:ny"]
