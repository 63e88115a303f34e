"""Plan endorsements on one node: signing them, taking them in from peers, and what happens as the plan changes."""

from __future__ import annotations

import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import func, select

from federation.audience import NodeView
from federation.changes import changes_since, envelope_texts_for, held_payload
from federation.ingest import Outcome, ingest, ingest_page
from federation.local import LocalNode
from federation.models import Envelope, Rejection, WaitingEnvelope
from federation.plan_endorsements import EndorsementError, endorse_plan, plan_participants
from federation.replication import take_waiting
from federation.trust import check_descriptor, own_descriptor, remember_node
from federation.wire import digest, plan_endorsement_payload, seal, tombstone_payload
from node.accounts.users import create_user
from node.core.config import NodeSettings
from node.core.models import Item
from tests.helpers.envelopes import ME, ORIGIN_KEY, envelope, know_origin
from tests.helpers.nodes import SINKS, TEST_KEY

PLAN = "randers-kommune:plan"
FAVRSKOV = NodeSettings("favrskov-kommune", "Favrskov Kommune", "municipality", "http://127.0.0.1:9", "0710")
FAVRSKOV_KEY = Ed25519PrivateKey.generate()
AARHUS = LocalNode(NodeSettings("aarhus-kommune", "Aarhus Kommune", "municipality", "http://127.0.0.1:9", "0751"),
                   TEST_KEY, SINKS)
AALBORG = NodeView("aalborg-kommune", "municipality", "0851")  # Nordjyllands Politi


def plan(version: int, participants=("0730", "0710"), **content):
    return envelope(version, type="plan", details={"participating_municipalities": list(participants)}, **content)


def endorsement(plan_envelope, endorser=FAVRSKOV, key=FAVRSKOV_KEY, municipality=None):
    payload = plan_endorsement_payload(endorser.id, municipality or endorser.municipality, plan_envelope["payload"],
                                       "2026-11-05T10:00:00Z")
    return seal(payload, key)


def know_favrskov(session):
    remember_node(session, check_descriptor(own_descriptor(FAVRSKOV, FAVRSKOV_KEY)), vouched_by="test")


def endorsement_rows(session) -> list[Envelope]:
    return list(session.scalars(select(Envelope).where(Envelope.kind == "plan-endorsement")))


def rejection(session) -> str:
    return session.scalars(select(Rejection.reason)).one()


@pytest.fixture
def held_plan(sessions):
    """Aarhus holds version 1 of Randers's plan (participants Randers and Favrskov) and knows both keys."""
    v1 = plan(1)
    with sessions.begin() as session:
        know_origin(session)
        know_favrskov(session)
        assert ingest(session, v1, "p", ME, SINKS) == Outcome.STORED
    return v1


def test_an_endorsement_by_a_participating_municipality_is_kept_with_the_plans_audience(sessions, held_plan):
    with sessions.begin() as session:
        assert ingest(session, endorsement(held_plan), "p", ME, SINKS) == Outcome.ENDORSED
        [row] = endorsement_rows(session)
        assert (row.subject, row.version, row.audience, row.origin) == (PLAN, 1, "public", "randers-kommune")
        changes, _, _ = changes_since(session, 0, 10, AALBORG)
        assert [c.kind for c in changes] == ["item", "plan-endorsement"]  # after its plan, for the plan's audience


def test_an_endorsement_with_a_tampered_signature_is_rejected_and_recorded(sessions, held_plan):
    forged = endorsement(held_plan)
    forged["payload"]["endorsed_at"] = "2026-11-06T10:00:00Z"
    with sessions.begin() as session:
        assert ingest(session, forged, "p", ME, SINKS) == Outcome.REJECTED
        assert rejection(session) == "bad signature"
        assert endorsement_rows(session) == []


def test_an_endorsement_by_a_node_whose_municipality_does_not_take_part_is_rejected(sessions):
    v1 = plan(1, participants=("0730",))
    with sessions.begin() as session:
        know_origin(session)
        know_favrskov(session)
        ingest(session, v1, "p", ME, SINKS)
        assert ingest(session, endorsement(v1), "p", ME, SINKS) == Outcome.REJECTED
        assert "favrskov-kommune is not the node of a municipality participating" in rejection(session)
        assert endorsement_rows(session) == []


def test_an_endorsement_claiming_another_municipality_than_the_endorsers_own_is_rejected(sessions, held_plan):
    with sessions.begin() as session:
        assert ingest(session, endorsement(held_plan, municipality="0730"), "p", ME, SINKS) == Outcome.REJECTED
        assert "participating" in rejection(session)


def test_an_endorsement_whose_digest_is_not_the_held_version_is_rejected(sessions, held_plan):
    other_v1 = plan(1, title="En anden plan")
    with sessions.begin() as session:
        assert ingest(session, endorsement(other_v1), "p", ME, SINKS) == Outcome.REJECTED
        assert "digest" in rejection(session)


def test_an_endorsement_of_an_item_that_is_not_a_plan_is_rejected(sessions):
    method = envelope(1, details={})
    with sessions.begin() as session:
        know_origin(session)
        know_favrskov(session)
        ingest(session, method, "p", ME, SINKS)
        assert ingest(session, endorsement(method), "p", ME, SINKS) == Outcome.REJECTED
        assert "not a plan" in rejection(session)


def test_the_same_endorsement_twice_adds_no_row(sessions, held_plan):
    with sessions.begin() as session:
        assert ingest_page(session, [endorsement(held_plan), endorsement(held_plan)], "p", ME, SINKS) == [
            Outcome.ENDORSED, Outcome.SKIPPED]
        assert ingest(session, endorsement(held_plan), "q", ME, SINKS) == Outcome.SKIPPED
        assert len(endorsement_rows(session)) == 1


def test_an_older_versions_endorsement_stays_after_a_new_plan_version_and_a_new_one_is_added(sessions, held_plan):
    v2 = plan(2, summary="Anden udgave")
    with sessions.begin() as session:
        ingest(session, endorsement(held_plan), "p", ME, SINKS)
        assert ingest(session, v2, "p", ME, SINKS) == Outcome.STORED
        assert [r.version for r in endorsement_rows(session)] == [1]
        assert ingest(session, endorsement(v2), "p", ME, SINKS) == Outcome.ENDORSED
    with sessions() as session:
        [randers, favrskov] = plan_participants(session, session.get(Item, PLAN), AARHUS)
        assert randers.endorsements == []
        assert [(e.endorser, e.version, e.current) for e in favrskov.endorsements] == [
            ("favrskov-kommune", 2, True), ("favrskov-kommune", 1, False)]
        assert favrskov.endorsements[0].endorser_name == "Favrskov Kommune"


def test_an_endorsement_of_a_plan_version_not_held_yet_waits_and_is_taken_when_the_plan_arrives(sessions, held_plan):
    v2 = plan(2, summary="Anden udgave")
    with sessions.begin() as session:
        assert ingest(session, endorsement(v2), "p", ME, SINKS) == Outcome.WAITING
        [waiting] = session.scalars(select(WaitingEnvelope)).all()
        assert (waiting.waits_for, waiting.item_id, waiting.version) == ("plan", PLAN, 2)
        assert take_waiting(session, AARHUS) == {}  # not yet: only version 1 is held
        ingest(session, v2, "p", ME, SINKS)
        assert take_waiting(session, AARHUS)[Outcome.ENDORSED] == 1
        assert [r.version for r in endorsement_rows(session)] == [2]
        assert session.scalars(select(WaitingEnvelope)).all() == []


def test_a_retracted_plan_drops_its_endorsements_and_later_ones_are_not_kept(sessions, held_plan):
    tombstone = seal(tombstone_payload(PLAN, "randers-kommune", 1, "retracted", "2026-11-06T00:00:00Z"), ORIGIN_KEY)
    with sessions.begin() as session:
        ingest(session, endorsement(held_plan), "p", ME, SINKS)
        assert ingest(session, tombstone, "p", ME, SINKS) == Outcome.TOMBSTONED
        assert endorsement_rows(session) == []
        assert ingest(session, endorsement(held_plan), "q", ME, SINKS) == Outcome.SKIPPED
        assert endorsement_rows(session) == []


def test_endorsements_follow_their_plan_when_its_audience_narrows(sessions, held_plan):
    narrowed = plan(2, audience={"districts": ["Østjyllands Politi"]})
    with sessions.begin() as session:
        ingest(session, endorsement(held_plan), "p", ME, SINKS)
        ingest(session, narrowed, "p", ME, SINKS)
        [row] = endorsement_rows(session)
        assert row.audience == {"districts": ["Østjyllands Politi"]}
        plan_seq = session.scalar(select(Envelope.seq).where(Envelope.item_id == PLAN))
        assert row.seq > plan_seq  # moved after the new version, so nodes new to the audience see it
        assert envelope_texts_for(session, [row.item_id], AALBORG) == []
        assert [c.kind for c in changes_since(session, 0, 10, AALBORG)[0]] == []


def test_this_node_endorses_a_held_plan_it_takes_part_in_once_per_version(sessions):
    v1 = plan(1, participants=("0730", "0751"))
    with sessions.begin() as session:
        know_origin(session)
        ingest(session, v1, "p", ME, SINKS)
        item = session.get(Item, PLAN)
        assert endorse_plan(session, item, AARHUS) is True
        assert endorse_plan(session, item, AARHUS) is False
        [row] = endorsement_rows(session)
        payload = json.loads(row.envelope)["payload"]
        assert (payload["endorser"], payload["municipality"], payload["version"]) == ("aarhus-kommune", "0751", 1)
        assert row.received_from is None
        assert ingest(session, json.loads(row.envelope), "p", ME, SINKS) == Outcome.SKIPPED  # its own, offered back


def test_this_node_may_not_endorse_a_plan_it_does_not_take_part_in_nor_as_a_mere_editor(sessions, held_plan):
    with sessions.begin() as session:
        item = session.get(Item, PLAN)
        with pytest.raises(EndorsementError, match="deltagende kommuner"):
            endorse_plan(session, item, AARHUS)
        editor = create_user(session, "redaktoer", "korrekt-hest-batteri-clip", "editor")
        with pytest.raises(EndorsementError, match="udgiver"):
            endorse_plan(session, item, AARHUS, editor)
        assert endorsement_rows(session) == []
        assert session.scalar(select(func.count()).select_from(Envelope)) == 1


def test_the_digest_signed_by_this_node_is_that_of_the_held_plan_version(sessions):
    v1 = plan(1, participants=("0751",))
    with sessions.begin() as session:
        know_origin(session)
        ingest(session, v1, "p", ME, SINKS)
        endorse_plan(session, session.get(Item, PLAN), AARHUS)
        [row] = endorsement_rows(session)
        assert json.loads(row.envelope)["payload"]["plan_digest"] == digest(held_payload(session, PLAN))
