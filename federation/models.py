"""What a node keeps about the federation: signed envelopes (its changes feed), peers, keys, rejections."""

from __future__ import annotations

import json
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Boolean, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from federation.audience import NodeView
from node.core.models import Base, utcnow
from node.core.states import Transitions


class PeerState(StrEnum):
    PENDING = "pending"  # they asked us (or we added them); an admin must approve
    APPROVED = "approved"  # pulls both ways are allowed
    BACKING_OFF = "backing_off"  # approved, but recent pulls failed; retried later
    SUSPENDED = "suspended"  # paused by an admin: no pulls either way until resumed
    BLOCKED = "blocked"  # refused by an admin: its calls and its peering requests are refused until removed


# The moves federation.peering makes: an admin approves a pending peer once; after that every pull
# of it ends approved (it worked) or backing off (it failed). An admin may suspend and resume a peer,
# or block it for good. Nothing makes a peer pending again; a removed peer may ask anew.
PEER_TRANSITIONS = Transitions(PeerState, "state", {
    PeerState.PENDING: (PeerState.APPROVED, PeerState.BLOCKED),
    PeerState.APPROVED: (PeerState.APPROVED, PeerState.BACKING_OFF, PeerState.SUSPENDED, PeerState.BLOCKED),
    PeerState.BACKING_OFF: (PeerState.APPROVED, PeerState.BACKING_OFF, PeerState.SUSPENDED, PeerState.BLOCKED),
    PeerState.SUSPENDED: (PeerState.APPROVED, PeerState.BLOCKED),
    PeerState.BLOCKED: (),  # final: removing the peer is the way back
})


class EnvelopeKind(StrEnum):
    ITEM = "item"
    TOMBSTONE = "tombstone"
    WITHDRAWAL = "withdrawal"  # the item's audience narrowed and no longer includes this node
    PLAN_ENDORSEMENT = "plan-endorsement"  # a participating municipality endorses a version of a plan
    KEY_REVOCATION = "key-revocation"  # a node says one of its earlier keys is compromised since a time


class WaitsFor(StrEnum):
    KEY = "key"  # the signer's key is not accepted yet
    PLAN = "plan"  # an endorsement names a plan version this node does not hold yet


class Envelope(Base):
    """The latest signed version (or tombstone) of one item this node holds.

    `seq` is the item's position in this node's changes feed: a newer version
    replaces the row and so gets a new, higher seq. AUTOINCREMENT keeps seqs
    from ever being reused, so a peer's cursor never skips a change.
    """

    __tablename__ = "envelopes"
    __table_args__ = {"sqlite_autoincrement": True}

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    item_id: Mapped[str] = mapped_column(String(160), unique=True)
    origin: Mapped[str] = mapped_column(String(64), index=True)
    version: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    audience: Mapped[Any] = mapped_column(JSON)
    # The envelope exactly as signed, kept as text so it is re-served byte for byte.
    envelope: Mapped[str] = mapped_column(Text)
    # Earlier audiences of the item that the current one does not cover, and the origin's signed
    # withdrawal (served to nodes in those audiences but outside the current one, so they drop it).
    withdrawn_from: Mapped[list[Any] | None] = mapped_column(JSON)
    withdrawal: Mapped[str | None] = mapped_column(Text)
    received_from: Mapped[str | None] = mapped_column(String(64))
    stored_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # The item a row is about when it is not the item's own envelope: a plan endorsement names its plan,
    # whose audience it shares and whose row it follows in the feed.
    subject: Mapped[str | None] = mapped_column(String(160), index=True)
    # SHA-256 of the canonical payload of `envelope`, announced in the feed so that a peer holding the same
    # version can tell whether it holds the same payload (docs/federation-protocol.md §8.4, §11).
    digest: Mapped[str | None] = mapped_column(String(64))
    # The origin signed another payload for this version (an Equivocation): neither is shown or relayed
    # until a higher version or a tombstone replaces the row.
    conflict: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class DescribedNode:
    """Columns copied from a node's signed descriptor, shared by peers and known nodes."""

    # What decides which restricted items a node may receive: changed only with a new approval.
    AUDIENCE_FACTS = ("kind", "municipality", "district")

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    municipality: Mapped[str | None] = mapped_column(String(4))
    district: Mapped[str | None] = mapped_column(String(64))
    public_key: Mapped[str] = mapped_column(String(64))
    # The descriptor envelope exactly as signed.
    descriptor: Mapped[str] = mapped_column(Text)

    def facts_differ(self, payload: dict[str, Any]) -> bool:
        """Whether a descriptor payload names another kind, municipality or district than this row holds."""
        return any(getattr(self, fact) != payload.get(fact) for fact in self.AUDIENCE_FACTS)

    def take_descriptor(self, envelope: dict[str, Any]) -> None:
        """Copy the facts of a checked descriptor envelope onto this row."""
        p = envelope["payload"]
        self.name, self.kind = p.get("name") or p["id"], p["kind"]
        self.municipality, self.district, self.public_key = p.get("municipality"), p.get("district"), p["public_key"]
        self.descriptor = json.dumps(envelope, ensure_ascii=False)

    @property
    def view(self) -> NodeView:
        """The node as the audience rule sees it."""
        return NodeView(self.id, self.kind, self.municipality, self.district)


class Peer(DescribedNode, Base):
    """A directly peered node, its state and how pulling from it goes."""

    __tablename__ = "peers"
    __table_args__ = (PEER_TRANSITIONS.check_constraint(),)

    url: Mapped[str] = mapped_column(String(300))
    state: Mapped[str] = mapped_column(String(16), index=True)
    cursor: Mapped[int] = mapped_column(Integer, default=0)
    # The epoch of the peer's feed that `cursor` belongs to; another epoch means the feed started again.
    epoch: Mapped[str | None] = mapped_column(String(64))
    failures: Mapped[int] = mapped_column(Integer, default=0)
    next_pull_at: Mapped[datetime | None]
    last_pull_at: Mapped[datetime | None]
    last_success_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    received_total: Mapped[int] = mapped_column(Integer, default=0)
    # How far the peer's clock was ahead of ours at its last answer (negative: behind), for the admin page.
    clock_offset_seconds: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set by an admin: this peer's endorsement alone introduces a key, as a trust anchor's does
    # (e.g. a municipality's own police district). Otherwise two approved peers must agree (§14).
    introducer: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class KnownNode(DescribedNode, Base):
    """A node whose key this node accepts, with the signed descriptor and who vouched for it."""

    __tablename__ = "known_nodes"

    # The signed endorsements the key was accepted on, as a JSON list (one JSON object in rows from before
    # two-peer agreement); re-served with `/nodes/<id>` so others can count them too.
    endorsement: Mapped[str | None] = mapped_column(Text)
    # Who vouched: "peering", an endorser's id, or the agreeing endorsers' ids joined by ",".
    vouched_by: Mapped[str] = mapped_column(String(200))
    # Keys the node used before a signed rotation: envelopes it signed then still verify.
    previous_keys: Mapped[list[str]] = mapped_column(JSON, default=list)
    # The signed rotation statements, oldest first, so they can be passed on to others.
    rotations: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class RetiredKey(Base):
    """A key a known node rotated away from (or revoked): until when this node accepts it, and for what.

    `retired_at` is when this node followed the rotation, by its own clock (the rotation's signed `at` is
    chosen by whoever holds the old key); the key verifies envelopes for the grace window after it.
    `revoked_since` is the time from which the node's signed revocation says the key is compromised:
    nothing the key signed at or after it is accepted.
    """

    __tablename__ = "retired_keys"

    node_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    public_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    retired_at: Mapped[datetime | None]
    revoked_since: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]  # when this node received the revocation


class WaitingEnvelope(Base):
    """A received envelope waiting for its signer's key (or, for an endorsement, its plan); taken when it arrives.

    For an endorsement, `item_id` and `version` name the plan version it endorses.
    """

    __tablename__ = "waiting_envelopes"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[str] = mapped_column(String(160), index=True)
    origin: Mapped[str] = mapped_column(String(64), index=True)
    version: Mapped[int] = mapped_column(Integer)
    envelope: Mapped[str] = mapped_column(Text)
    received_from: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    waits_for: Mapped[str] = mapped_column(String(16), default=WaitsFor.KEY, server_default=WaitsFor.KEY.value)


class Rejection(Base):
    """Received data that was refused, and why; shown to the admin, never served."""

    __tablename__ = "rejections"

    id: Mapped[int] = mapped_column(primary_key=True)
    received_from: Mapped[str] = mapped_column(String(64), index=True)
    item_id: Mapped[str | None] = mapped_column(String(160))
    version: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class AlertKind(StrEnum):
    KEY_CONFLICT = "key-conflict"  # endorsements that counted vouch for another key than one accepted or offered
    FACTS = "facts"  # an approved peer claimed another kind, municipality or district than it was approved as


class TrustAlert(Base):
    """A contradiction about a node's key or facts, never applied: shown to the admin with its signed evidence."""

    __tablename__ = "trust_alerts"

    id: Mapped[int] = mapped_column(primary_key=True)
    node: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    # Every key involved, sorted: the one accepted (if any) and the ones vouched for.
    keys: Mapped[list[str]] = mapped_column(JSON)
    # Who said what: [{"by": endorser or peer id, "key": public key, "at": its signed time}, ...].
    claims: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    # The descriptors and endorsements as signed (a JSON list), so the claims can be checked by anyone.
    evidence: Mapped[str] = mapped_column(Text)
    reported_by: Mapped[str] = mapped_column(String(64))  # the peer whose answer showed it
    first_seen_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    seen: Mapped[int] = mapped_column(Integer, default=1)


class FeedEpoch(Base):
    """The identity of this database's changes feed: a new database (or a detected restore) starts a new one."""

    __tablename__ = "feed_epoch"

    id: Mapped[int] = mapped_column(primary_key=True)  # the single row has id 1
    epoch: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)


class Equivocation(Base):
    """Two validly signed, different payloads of one origin for the same item id and version: kept as evidence.

    While unresolved the item is withheld (Envelope.conflict); a higher version or a tombstone resolves it.
    """

    __tablename__ = "equivocations"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[str] = mapped_column(String(160), index=True)
    origin: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)
    first_digest: Mapped[str] = mapped_column(String(64))
    first_envelope: Mapped[str] = mapped_column(Text)
    first_received_from: Mapped[str | None] = mapped_column(String(64))
    first_received_at: Mapped[datetime]
    second_digest: Mapped[str] = mapped_column(String(64))
    second_envelope: Mapped[str] = mapped_column(Text)
    second_received_from: Mapped[str] = mapped_column(String(64))
    detected_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    resolved_at: Mapped[datetime | None]


class PullOutcome(StrEnum):
    OK = "ok"  # the pull read the peer's feed to its end
    FAILED = "failed"  # the peer did not answer, answered wrongly, or the pull broke off (the peer backs off)
    STOPPED = "stopped"  # this process lost the worker lease mid-pull; the worker that took over pulls on


# A pull record is written once, when the pull has ended, in its final outcome: no outcome moves to another.
PULL_OUTCOME_TRANSITIONS = Transitions(PullOutcome, "outcome", {outcome: () for outcome in PullOutcome})


class PullRecord(Base):
    """One ended pull from a peer: when, how much it stored and refused, and how it ended (federation.pull_history)."""

    __tablename__ = "pull_records"
    __table_args__ = (PULL_OUTCOME_TRANSITIONS.check_constraint(),)

    id: Mapped[int] = mapped_column(primary_key=True)
    peer_id: Mapped[str] = mapped_column(String(64), index=True)
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime]
    stored: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    outcome: Mapped[str] = mapped_column(String(16))
    error_kind: Mapped[str | None] = mapped_column(String(32))  # a key of federation.pull_history.ERROR_KINDS
    reason: Mapped[str | None] = mapped_column(String(500))  # the error as raised, cut to its column
