"""Equivocation: two different payloads signed by one origin for the same item id and version.

Both are kept as evidence, the item is withheld (not shown, not relayed), and a
higher version or a tombstone from the origin ends the conflict; replays of the
held payload stay a quiet skip.
"""

from __future__ import annotations

import json

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select

from federation.changes import Held, changes_since, envelope_texts_for
from federation.equivocation import conflicts_for_admin
from federation.identity import public_key_text
from federation.ingest import Outcome, ingest, ingest_page
from federation.models import Envelope, Equivocation, KnownNode, RetiredKey
from federation.replication import _wanted
from federation.wire import digest, seal, tombstone_payload
from node.core.models import Item, utcnow
from tests.helpers.envelopes import ME, ORIGIN_KEY, envelope, know_origin
from tests.helpers.nodes import SINKS

ITEM_ID = "randers-kommune:plan"


def test_a_second_payload_for_a_held_version_is_kept_as_evidence_and_the_item_withheld(sessions):
    first, second = envelope(1), envelope(1, title="Den anden fortælling")
    with sessions.begin() as session:
        know_origin(session)
        assert ingest(session, first, "randers-kommune", ME, SINKS) == Outcome.STORED
    with sessions.begin() as session:
        assert ingest(session, second, "fjendtlig-kommune", ME, SINKS) == Outcome.CONFLICT
    with sessions() as session:
        [evidence] = session.scalars(select(Equivocation)).all()
        assert (evidence.item_id, evidence.origin, evidence.version) == (ITEM_ID, "randers-kommune", 1)
        assert json.loads(evidence.first_envelope) == first and json.loads(evidence.second_envelope) == second
        assert (evidence.first_received_from, evidence.second_received_from) == ("randers-kommune",
                                                                                 "fjendtlig-kommune")
        assert (evidence.first_digest, evidence.second_digest) == (digest(first["payload"]),
                                                                   digest(second["payload"]))
        assert session.get(Item, ITEM_ID) is None  # neither payload is shown
        [row] = session.scalars(select(Envelope)).all()
        assert row.conflict and row.envelope == evidence.first_envelope  # kept, but not served


def test_a_conflicted_item_is_not_relayed_to_any_peer(sessions):
    with sessions.begin() as session:
        know_origin(session)
        ingest(session, envelope(1), "randers-kommune", ME, SINKS)
        ingest(session, envelope(1, title="B"), "fjendtlig-kommune", ME, SINKS)
    with sessions() as session:
        changes, next_cursor, _ = changes_since(session, 0, 100, ME)
        assert changes == [] and next_cursor > 0  # skipped, but the cursor still moves past it
        assert envelope_texts_for(session, [ITEM_ID], ME) == []


def test_replays_of_either_payload_stay_quiet_and_add_no_evidence(sessions):
    first, second = envelope(1), envelope(1, title="B")
    with sessions.begin() as session:
        know_origin(session)
        outcomes = ingest_page(session, [first, second, first, second, first], "randers-kommune", ME, SINKS)
    assert outcomes == [Outcome.STORED, Outcome.CONFLICT, Outcome.SKIPPED, Outcome.SKIPPED, Outcome.SKIPPED]
    with sessions() as session:
        assert len(session.scalars(select(Equivocation)).all()) == 1
        assert session.scalar(select(Envelope.conflict))  # both in one page: the held row is withheld too


def test_the_same_payload_signed_by_a_rotated_away_key_is_no_equivocation(sessions):
    old_key = Ed25519PrivateKey.generate()
    first, resigned = envelope(1), envelope(1, key=old_key)
    assert first["signature"] != resigned["signature"]
    with sessions.begin() as session:
        know_origin(session)
        session.get(KnownNode, "randers-kommune").previous_keys = [public_key_text(old_key)]
        # Rotated away from just now: within its grace window (federation/revocation.py).
        session.add(RetiredKey(node_id="randers-kommune", public_key=public_key_text(old_key), retired_at=utcnow()))
    with sessions.begin() as session:
        assert ingest_page(session, [first, resigned], "p", ME, SINKS) == [Outcome.STORED, Outcome.SKIPPED]
        assert session.scalars(select(Equivocation)).all() == []


def test_a_higher_version_ends_the_conflict_and_is_shown_again(sessions):
    with sessions.begin() as session:
        know_origin(session)
        ingest(session, envelope(1), "p", ME, SINKS)
        ingest(session, envelope(1, title="B"), "q", ME, SINKS)
    with sessions.begin() as session:
        assert ingest(session, envelope(2), "p", ME, SINKS) == Outcome.STORED
    with sessions() as session:
        assert session.get(Item, ITEM_ID).title == "Metode v2"
        assert not session.scalar(select(Envelope.conflict))
        assert session.scalar(select(Equivocation.resolved_at)) is not None
        assert [c.id for c in changes_since(session, 0, 100, ME)[0]] == [ITEM_ID]


def test_a_tombstone_of_the_conflicted_version_ends_the_conflict(sessions):
    tombstone = seal(tombstone_payload(ITEM_ID, "randers-kommune", 1, "retracted", "2026-11-02T10:00:00Z"),
                     ORIGIN_KEY)
    with sessions.begin() as session:
        know_origin(session)
        ingest(session, envelope(1), "p", ME, SINKS)
        ingest(session, envelope(1, title="B"), "q", ME, SINKS)
        assert ingest(session, tombstone, "p", ME, SINKS) == Outcome.TOMBSTONED
        assert session.scalar(select(Equivocation.resolved_at)) is not None


def test_the_admin_sees_titles_and_names_of_an_open_conflict(sessions):
    with sessions.begin() as session:
        know_origin(session)
        ingest(session, envelope(1), "randers-kommune", ME, SINKS)
        ingest(session, envelope(1, title="Den anden fortælling"), "randers-kommune", ME, SINKS)
    with sessions() as session:
        [conflict] = conflicts_for_admin(session, ME)
    assert conflict.titles == ("Metode v1", "Den anden fortælling")
    assert conflict.origin_name == "Randers Kommune" and conflict.resolved_at is None


def test_the_admin_is_not_shown_the_title_of_a_second_payload_meant_for_other_nodes(sessions):
    # The conflict is judged before the second payload's audience: its title may be a restricted item's.
    secret = envelope(1, title="Kun for Nordjyllands Politi", audience={"districts": ["Nordjyllands Politi"]})
    with sessions.begin() as session:
        know_origin(session)
        ingest(session, envelope(1), "randers-kommune", ME, SINKS)
        ingest(session, secret, "randers-kommune", ME, SINKS)
    with sessions() as session:
        [conflict] = conflicts_for_admin(session, ME)
    assert conflict.titles == ("Metode v1", "(ikke til denne node)")


def test_a_puller_fetches_a_held_version_again_only_when_its_digest_differs():
    held = _held(digest="a" * 64)
    assert _wanted({"id": ITEM_ID, "version": 1, "kind": "item", "digest": "b" * 64}, held)
    assert not _wanted({"id": ITEM_ID, "version": 1, "kind": "item", "digest": "a" * 64}, held)
    assert not _wanted({"id": ITEM_ID, "version": 1, "kind": "item"}, held)  # an older node names no digest
    assert not _wanted({"id": ITEM_ID, "version": 0, "kind": "item", "digest": "b" * 64}, held)


def _held(digest: str) -> Held:
    return Held(1, "item", "public", None, digest)
