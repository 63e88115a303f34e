"""Retired and revoked keys: a grace window after a rotation, and a signed revocation that acts at once."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select

from federation.audience import NodeView
from federation.changes import changes_since, store_envelope
from federation.identity import public_key_text
from federation.ingest import Outcome, ingest, ingest_page
from federation.local import LocalNode
from federation.models import Envelope, EnvelopeKind, Rejection, RetiredKey
from federation.peering import record_peer
from federation.replication import FetchedPage, _store_page
from federation.revocation import (
    KeyRefused,
    resign_own_envelopes,
    retire_key,
    revoke_own_key,
    worth_refetching,
)
from federation.rotation import apply_rotations
from federation.trust import check_descriptor, own_descriptor, remember_node
from federation.wire import key_revocation_payload, moment, open_envelope, rotation_payload, seal
from node.core.config import NodeSettings
from node.core.models import Item
from node.web.dates import date_words
from tests.helpers.envelopes import ME, ORIGIN, envelope
from tests.helpers.nodes import SINKS
from tests.helpers.web import login

OLD, NEW = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
SINCE = "2026-11-15T00:00:00Z"
BEFORE, AFTER = "2026-11-10T09:00:00Z", "2026-11-20T09:00:00Z"
NATIONAL = NodeView("det-kriminalpraeventive-raad", "national", None, None)


def item(local_id: str, key=OLD, published_at: str = BEFORE, version: int = 1):
    """An item of Randers signed by `key` (its old key unless told), published at `published_at`."""
    return envelope(version, key, id=f"randers-kommune:{local_id}", published_at=published_at)


def revocation(key=NEW, since: str = SINCE, revoked=OLD):
    return seal(key_revocation_payload(ORIGIN.id, public_key_text(revoked), since, "2026-12-01T10:00:00Z"), key)


def rotate_origin(session):
    """Randers is known with its old key and has rotated to its new one (followed by this node just now)."""
    remember_node(session, check_descriptor(own_descriptor(ORIGIN, OLD)), vouched_by="test")
    statement = seal(rotation_payload(ORIGIN.id, public_key_text(OLD), public_key_text(NEW),
                                      "2026-12-01T09:00:00Z"), OLD)
    assert apply_rotations(session, ORIGIN.id, [statement], own_descriptor(ORIGIN, NEW))


def last_rejection(session) -> str:
    return session.scalars(select(Rejection.reason).order_by(Rejection.id.desc())).first()


def test_a_followed_rotation_records_when_this_node_retired_the_old_key(sessions):
    with sessions.begin() as session:
        rotate_origin(session)
        retired = session.get(RetiredKey, (ORIGIN.id, public_key_text(OLD)))
        assert retired.retired_at is not None and retired.revoked_since is None


def test_the_previous_key_verifies_within_the_grace_window_and_is_refused_after_it(sessions):
    with sessions.begin() as session:
        rotate_origin(session)
        assert ingest_page(session, [item("inden")], "p", ME, SINKS, grace=timedelta(days=30)) == [Outcome.STORED]
        assert ingest_page(session, [item("efter")], "p", ME, SINKS, grace=timedelta(0)) == [Outcome.REJECTED]
        assert "henstandsperioden på 0 dage er udløbet" in last_rejection(session)
        assert ingest_page(session, [item("ny", key=NEW)], "p", ME, SINKS, grace=timedelta(0)) == [Outcome.STORED]


def test_a_revocation_refuses_what_the_key_signed_from_since_and_keeps_what_it_signed_before(sessions):
    with sessions.begin() as session:
        rotate_origin(session)
        assert ingest(session, revocation(), "p", ME, SINKS) == Outcome.REVOKED
        assert ingest(session, item("foer", published_at=BEFORE), "p", ME, SINKS) == Outcome.STORED
        assert ingest(session, item("stjaalet", published_at=AFTER), "p", ME, SINKS) == Outcome.REJECTED
        assert "spærret fra 2026-11-15T00:00:00Z: published_at ligger ikke før" in last_rejection(session)


def test_a_revocation_drops_held_envelopes_the_key_signed_since_and_their_replicas(sessions):
    with sessions.begin() as session:
        rotate_origin(session)
        ingest_page(session, [item("foer"), item("stjaalet", published_at=AFTER), item("ny", key=NEW,
                                                                                     published_at=AFTER)],
                    "p", ME, SINKS)
        assert ingest(session, revocation(), "p", ME, SINKS) == Outcome.REVOKED
        held = set(session.scalars(select(Envelope.item_id).where(Envelope.kind == EnvelopeKind.ITEM)))
        assert held == {"randers-kommune:foer", "randers-kommune:ny"}
        assert session.get(Item, "randers-kommune:stjaalet") is None
        assert session.get(Item, "randers-kommune:foer") is not None


def test_an_item_the_key_signed_since_earlier_in_the_same_page_is_dropped_too(sessions):
    with sessions.begin() as session:
        rotate_origin(session)
        outcomes = ingest_page(session, [item("stjaalet", published_at=AFTER), revocation()], "p", ME, SINKS)
        assert outcomes == [Outcome.STORED, Outcome.REVOKED]
        assert session.get(Item, "randers-kommune:stjaalet") is None
        assert session.scalar(select(Envelope.item_id).where(Envelope.item_id == "randers-kommune:stjaalet")) is None


def test_a_revocation_is_one_feed_row_for_every_node_and_taking_it_again_changes_nothing(sessions):
    with sessions.begin() as session:
        rotate_origin(session)
        assert ingest(session, revocation(), "p", ME, SINKS) == Outcome.REVOKED
        assert ingest(session, revocation(), "q", ME, SINKS) == Outcome.SKIPPED
        [row] = session.scalars(select(Envelope).where(Envelope.kind == EnvelopeKind.KEY_REVOCATION)).all()
        assert (row.version, row.audience, row.item_id.startswith("randers-kommune:key-revocation-")) == \
            (1, "network", True)
        changes, _, _ = changes_since(session, 0, 100, NATIONAL)
        assert [(c.id, c.kind) for c in changes] == [(row.item_id, "key-revocation")]


def test_a_revocation_signed_with_the_revoked_key_itself_is_refused(sessions):
    with sessions.begin() as session:
        rotate_origin(session)
        assert ingest(session, revocation(key=OLD), "p", ME, SINKS) == Outcome.REJECTED
        assert session.get(RetiredKey, (ORIGIN.id, public_key_text(OLD))).revoked_since is None


def test_a_revocation_of_the_current_key_is_refused_naming_the_key_field(sessions):
    with sessions.begin() as session:
        rotate_origin(session)
        assert ingest(session, revocation(revoked=NEW), "p", ME, SINKS) == Outcome.REJECTED
        assert last_rejection(session).startswith("key: en spærring kan ikke gælde den nuværende nøgle")


def test_a_revocation_with_an_invalid_since_is_refused_naming_the_field(sessions):
    with sessions.begin() as session:
        rotate_origin(session)
        assert ingest(session, revocation(since="i går"), "p", ME, SINKS) == Outcome.REJECTED
        assert last_rejection(session) == "key revocation has an invalid since"


def test_a_rotation_signed_by_a_revoked_key_at_or_after_since_is_not_followed(sessions):
    with sessions.begin() as session:
        session.add(RetiredKey(node_id=ORIGIN.id, public_key="k", revoked_since=moment(SINCE)))
        session.flush()
        with pytest.raises(KeyRefused, match="spærret fra 2026-11-15T00:00:00Z: at ligger ikke før"):
            retire_key(session, ORIGIN.id, "k", {"type": "vidensnet.key-rotation", "at": AFTER})
        retire_key(session, ORIGIN.id, "k", {"type": "vidensnet.key-rotation", "at": BEFORE})  # backdated: followed


def test_the_same_payload_signed_with_the_current_key_replaces_the_held_copy_and_moves_it_in_the_feed(sessions):
    with sessions.begin() as session:
        rotate_origin(session)
        ingest(session, item("foer"), "p", ME, SINKS)
        seq = session.scalar(select(Envelope.seq).where(Envelope.item_id == "randers-kommune:foer"))
        assert ingest(session, item("foer", key=NEW), "p", ME, SINKS) == Outcome.RESIGNED
        row = session.scalar(select(Envelope).where(Envelope.item_id == "randers-kommune:foer"))
        assert row.seq > seq and open_envelope(json.loads(row.envelope), public_key_text(NEW))
        assert ingest(session, item("foer"), "p", ME, SINKS) == Outcome.SKIPPED  # the old signature does not return


def test_a_relayed_copy_signed_with_a_retired_key_is_worth_fetching_again(sessions):
    with sessions.begin() as session:
        rotate_origin(session)
        ingest_page(session, [item("gammel"), item("ny", key=NEW)], "p", ME, SINKS)
        ids = ["randers-kommune:gammel", "randers-kommune:ny"]
        assert worth_refetching(session, ids, "oestjyllands-politi") == {"randers-kommune:gammel"}
        assert worth_refetching(session, ids, "randers-kommune") == set(ids)  # the origin re-announces its own


def test_own_envelopes_are_signed_again_with_the_new_key_once(sessions):
    key, new = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    own = envelope(1, key, id="aarhus-kommune:metode", origin="aarhus-kommune")
    with sessions.begin() as session:
        store_envelope(session, own["payload"], own, EnvelopeKind.ITEM, "public", None)
        assert resign_own_envelopes(session, ME.id, new) == 1
        assert resign_own_envelopes(session, ME.id, new) == 0
        text = session.scalar(select(Envelope.envelope).where(Envelope.item_id == "aarhus-kommune:metode"))
        assert open_envelope(json.loads(text), public_key_text(new))["id"] == "aarhus-kommune:metode"


def test_this_node_cannot_revoke_its_current_key_and_its_revocation_enters_its_feed(sessions):
    key, old = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    with sessions.begin() as session:
        with pytest.raises(KeyRefused, match="den nuværende nøgle kan ikke spærres"):
            revoke_own_key(session, ME.id, key, public_key_text(key), moment(SINCE))
        envelope_ = revoke_own_key(session, ME.id, key, public_key_text(old), moment(SINCE))
        assert envelope_["payload"]["since"] == SINCE
        [row] = session.scalars(select(Envelope).where(Envelope.kind == EnvelopeKind.KEY_REVOCATION)).all()
        assert row.received_from is None and open_envelope(json.loads(row.envelope), public_key_text(key))


def test_the_admin_page_shows_a_known_nodes_retired_and_revoked_keys_with_danish_dates(app, users, sessions):
    with sessions.begin() as session:
        rotate_origin(session)
        ingest(session, revocation(), "p", ME, SINKS)
        retired_at = session.get(RetiredKey, (ORIGIN.id, public_key_text(OLD))).retired_at
    admin = app.test_client()
    login(admin, "admin")
    page = admin.get("/admin/").get_data(as_text=True)
    assert public_key_text(OLD)[:12] in page
    assert f'udfaset <time datetime="{retired_at.isoformat()}">{date_words(retired_at)}</time>' in page
    assert "godtages til" in page
    # Midnight UTC is one o'clock in Danish winter time.
    assert 'spærret fra <time datetime="2026-11-15T00:00:00+00:00">15. november 2026 kl. 01.00</time>' in page


class RelayClient:
    """A district node relaying Randers: it answers /nodes with Randers' rotation and /envelopes from a dict."""

    clock_offset = None  # no Date header in-process

    def __init__(self, rotation: dict, held: dict[str, dict]):
        self.rotation, self.held = rotation, held

    def node(self, origin: str) -> dict:
        return {"descriptor": own_descriptor(ORIGIN, NEW), "rotations": [self.rotation]}

    def envelopes(self, ids: list[str]) -> list[dict]:
        return [self.held[i] for i in ids if i in self.held]


def test_a_node_behind_a_relay_learns_the_rotation_from_the_revocation_and_refetches_the_resigned_copies(sessions):
    politi = NodeSettings("oestjyllands-politi", "Østjyllands Politi", "police", "http://127.0.0.1:9",
                          district="Østjyllands Politi")
    statement = seal(rotation_payload(ORIGIN.id, public_key_text(OLD), public_key_text(NEW),
                                      "2026-12-01T09:00:00Z"), OLD)
    with sessions.begin() as session:
        remember_node(session, check_descriptor(own_descriptor(ORIGIN, OLD)), vouched_by=politi.id)
        record_peer(session, check_descriptor(own_descriptor(politi, Ed25519PrivateKey.generate()))).state = "approved"
        ingest(session, item("foer"), politi.id, ME, SINKS)
    page = FetchedPage([revocation()], next_cursor=7, more=False, again=["randers-kommune:foer"])
    client = RelayClient(statement, {"randers-kommune:foer": item("foer", key=NEW)})
    local = LocalNode(NodeSettings(ME.id, "Aarhus", "municipality", "http://x", "0751"), NEW, SINKS)
    report = _store_page(sessions, page, client, politi.id, local)
    assert (report[Outcome.REVOKED], report[Outcome.RESIGNED], report[Outcome.REJECTED]) == (1, 1, 0)
    with sessions() as session:
        text = session.scalar(select(Envelope.envelope).where(Envelope.item_id == "randers-kommune:foer"))
        assert open_envelope(json.loads(text), public_key_text(NEW))["id"] == "randers-kommune:foer"
        assert session.scalars(select(Rejection)).all() == []


def test_one_node_can_make_others_keep_only_a_bounded_number_of_revocations(sessions, monkeypatch):
    monkeypatch.setattr("federation.revocation.MAX_REVOCATIONS_PER_NODE", 2)
    with sessions.begin() as session:
        rotate_origin(session)
        fakes = [Ed25519PrivateKey.generate() for _ in range(3)]
        outcomes = ingest_page(session, [revocation(revoked=k) for k in fakes], "p", ME, SINKS)
        assert outcomes == [Outcome.REVOKED, Outcome.REVOKED, Outcome.REJECTED]
        assert last_rejection(session) == "key: randers-kommune har allerede 2 spærrede nøgler her"
