"""Taking in received envelopes: versions only move forward, audience and signatures are enforced."""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import func, select

from federation.ingest import Outcome, check_signatures, ingest, ingest_page
from federation.local import LocalNode
from federation.models import Envelope, Rejection, WaitingEnvelope
from federation.replication import take_waiting
from federation.trust import accepted_public_keys
from federation.wire import seal, tombstone_payload
from node.core.config import NodeSettings
from node.core.models import Item
from search.models import IndexTask
from tests.helpers.envelopes import ME, ORIGIN_KEY, envelope, know_origin
from tests.helpers.nodes import SINKS


def test_envelope_from_an_unknown_origin_waits_and_is_taken_when_the_key_arrives(sessions):
    with sessions.begin() as session:
        assert ingest(session, envelope(1), "oestjyllands-politi", ME, SINKS) == Outcome.WAITING
        [waiting] = session.scalars(select(WaitingEnvelope)).all()
        assert "randers-kommune" in waiting.reason
    with sessions.begin() as session:
        know_origin(session)
        settings = NodeSettings("aarhus-kommune", "Aarhus", "municipality", "http://x", "0751")
        local = LocalNode(settings, ORIGIN_KEY, SINKS)
        assert take_waiting(session, local)[Outcome.STORED] == 1
        assert session.get(Item, "randers-kommune:plan").title == "Metode v1"
        assert session.scalars(select(WaitingEnvelope)).all() == []


def test_versions_only_move_forward(sessions):
    with sessions.begin() as session:
        know_origin(session)
        assert ingest(session, envelope(2), "p", ME, SINKS) == Outcome.STORED
        assert ingest(session, envelope(1), "p", ME, SINKS) == Outcome.SKIPPED
        assert ingest(session, envelope(2), "p", ME, SINKS) == Outcome.SKIPPED  # a replay of the held payload
        assert session.get(Item, "randers-kommune:plan").title == "Metode v2"
        # Another payload for version 2 is no stale copy but a conflict (tests/federation/test_equivocation.py).
        assert ingest(session, envelope(2, title="Anden titel"), "p", ME, SINKS) == Outcome.CONFLICT


def test_tombstone_removes_the_item_and_older_versions_cannot_bring_it_back(sessions):
    tombstone = seal(tombstone_payload("randers-kommune:plan", "randers-kommune", 2, "retracted",
                                       "2026-11-02T00:00:00Z"), ORIGIN_KEY)
    with sessions.begin() as session:
        know_origin(session)
        ingest(session, envelope(2), "p", ME, SINKS)
        assert ingest(session, tombstone, "p", ME, SINKS) == Outcome.TOMBSTONED
        assert session.get(Item, "randers-kommune:plan") is None
        assert ingest(session, envelope(1), "p", ME, SINKS) == Outcome.SKIPPED
        assert ingest(session, envelope(2), "p", ME, SINKS) == Outcome.SKIPPED
        assert session.get(Item, "randers-kommune:plan") is None


def test_item_signed_by_another_key_is_rejected_and_recorded(sessions):
    with sessions.begin() as session:
        know_origin(session)
        assert ingest(session, envelope(1, key=Ed25519PrivateKey.generate()), "p", ME, SINKS) == Outcome.REJECTED
        [rejection] = session.scalars(select(Rejection)).all()
        assert (rejection.item_id, rejection.reason, rejection.received_from) == (
            "randers-kommune:plan", "bad signature", "p")
        assert session.get(Item, "randers-kommune:plan") is None


def test_validly_signed_but_invalid_item_is_rejected_with_the_field_named(sessions):
    with sessions.begin() as session:
        know_origin(session)
        assert ingest(session, envelope(1, municipalities=["9999"]), "p", ME, SINKS) == Outcome.REJECTED
        assert "municipalities" in session.scalars(select(Rejection.reason)).one()


def test_item_outside_this_nodes_audience_is_rejected(sessions):
    with sessions.begin() as session:
        know_origin(session)
        outcome = ingest(session, envelope(1, audience={"districts": ["Fyns Politi"]}), "p", ME, SINKS)
        assert outcome == Outcome.REJECTED
        assert "audience" in session.scalars(select(Rejection.reason)).one()


def test_malformed_envelopes_are_rejected_instead_of_stopping_the_pull(sessions):
    bad_version = {"payload": {"type": "vidensnet.item", "protocol": 1, "id": "ukendt:x", "origin": "ukendt",
                               "version": "abc"}, "signature": "x"}
    with sessions.begin() as session:
        assert ingest(session, bad_version, "p", ME, SINKS) == Outcome.REJECTED
        know_origin(session)
        naive = envelope(1, expires_at="2999-01-01")
        naive["payload"]["published_at"] = "2026-11-01T09:00:00"
        naive = seal(naive["payload"], ORIGIN_KEY)
        assert ingest(session, naive, "p", ME, SINKS) == Outcome.REJECTED
        reason = session.scalars(select(Rejection.reason).where(Rejection.item_id == "randers-kommune:plan")).one()
        assert "time zone" in reason


def test_a_page_keeps_only_the_newest_of_repeated_versions_and_stores_them_with_their_terms(sessions):
    page = [envelope(1), envelope(3, tags=["Natteravne"]), envelope(2)]
    with sessions.begin() as session:
        know_origin(session)
        assert ingest_page(session, page, "p", ME, SINKS) == [Outcome.STORED, Outcome.STORED, Outcome.SKIPPED]
    with sessions() as session:
        item = session.get(Item, "randers-kommune:plan")
        assert (item.version, item.title, item.tags) == (3, "Metode v3", ["Natteravne"])
        assert {(t.field, t.value) for t in item.terms} == {("tags", "Natteravne"), ("tag_keys", "natteravne"),
                                                             ("municipalities", "0730")}
        assert session.scalar(select(func.count()).select_from(Envelope)) == 1
        assert session.scalar(select(func.count()).select_from(IndexTask)) == 1


def test_a_tombstone_later_in_the_same_page_removes_the_item_stored_before_it(sessions):
    tombstone = seal(tombstone_payload("randers-kommune:plan", "randers-kommune", 1, "retracted",
                                       "2026-11-02T00:00:00Z"), ORIGIN_KEY)
    with sessions.begin() as session:
        know_origin(session)
        assert ingest_page(session, [envelope(1), tombstone], "p", ME, SINKS) == [Outcome.STORED, Outcome.TOMBSTONED]
    with sessions() as session:
        assert session.get(Item, "randers-kommune:plan") is None
        assert session.scalar(select(Envelope.kind)) == "tombstone"


def test_signatures_checked_ahead_are_used_and_a_failed_check_is_still_rejected(sessions):
    good, forged = envelope(1), envelope(2, key=Ed25519PrivateKey.generate())
    with sessions.begin() as session:
        know_origin(session)
        keys = accepted_public_keys(session, {"randers-kommune"})
        checked = check_signatures([good, forged], keys)
        assert checked[0] is not None and checked[1] is None
        assert ingest_page(session, [good, forged], "p", ME, SINKS, checked) == [Outcome.STORED, Outcome.REJECTED]
        assert "bad signature" in session.scalar(select(Rejection.reason))


def test_a_peer_item_with_personal_data_is_rejected_without_repeating_it(sessions):
    with sessions.begin() as session:
        know_origin(session)
        assert ingest(session, envelope(1, body="Ring til Mikkel Jensen."), "p", ME, SINKS) == Outcome.REJECTED
        reason = session.scalars(select(Rejection.reason)).one()
        assert "body" in reason and "personnavn" in reason and "Mikkel" not in reason
        assert session.scalar(select(func.count()).select_from(Item)) == 0


def test_a_peer_item_with_its_publishers_override_is_taken(sessions):
    with sessions.begin() as session:
        know_origin(session)
        details = {"personal_data_override": "Forfatteren har givet tilladelse"}
        overridden = envelope(1, body="Skrevet af Mikkel Jensen.", details=details)
        assert ingest(session, overridden, "p", ME, SINKS) == Outcome.STORED
