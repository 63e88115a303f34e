"""Taking in received envelopes: verify, validate, check audience and version, then store.

Envelopes arrive a page at a time. What the node already holds and the keys it
accepts are read once per page, each envelope is judged against that (and
against the envelopes before it in the page), and everything accepted is
written at the end with one statement per table, in the caller's transaction.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, NamedTuple

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from federation import equivocation
from federation.audience import NodeView, may_hold
from federation.changes import Held, held_payload, held_versions, plan_endorsement_row, replace_envelopes
from federation.models import EnvelopeKind, KnownNode, Rejection, WaitingEnvelope, WaitsFor
from federation.revocation import (
    DEFAULT_KEY_GRACE,
    KeyRefused,
    SigningKey,
    open_signed,
    row_id,
    signing_keys,
    take_resigned,
    take_revocation,
)
from federation.verifier import verify_and_scan
from federation.wire import (
    ITEM,
    KEY_REVOCATION,
    PLAN_ENDORSEMENT,
    TOMBSTONE,
    Opened,
    WireError,
    check_item_payload,
    check_key_revocation_payload,
    check_plan_endorsement_payload,
    claimed_signer,
    digest,
    plan_endorsement_id,
    stored_text,
    unseal,
)
from node.core.models import utcnow
from node.items.replicas import Replica, replace_replicas
from node.items.schema import ItemInvalid, validate_item
from node.items.sinks import ItemSinks
from node.privacy.guard import Scanned

# A tombstone for an item never seen here is relayed as narrowly as possible.
UNSEEN_AUDIENCE = {"nodes": []}


class Outcome(StrEnum):
    STORED = "stored"
    TOMBSTONED = "tombstoned"
    WITHDRAWN = "withdrawn"  # the item's audience narrowed past this node: its copy is dropped
    ENDORSED = "endorsed"  # a participating municipality's endorsement of a held plan version
    REVOKED = "revoked"  # a node's signed revocation of one of its earlier keys, applied at once
    RESIGNED = "resigned"  # a held envelope replaced by the same payload signed with the origin's current key
    SKIPPED = "skipped"  # already held at this version or newer (replays included)
    CONFLICT = "conflict"  # another payload of a held version: both kept as evidence, the item withheld
    WAITING = "waiting"  # the origin's key is not accepted yet
    REJECTED = "rejected"


# How long, and how many, received envelopes wait for their origin's key or are kept as rejected
# (docs/federation-protocol.md §19); housekeeping prunes the rest.
WAITING_KEPT, WAITING_MAX = timedelta(days=30), 10_000
REJECTIONS_KEPT, REJECTIONS_MAX = timedelta(days=90), 10_000
# A peer whose envelopes are refused faster than this is backed off (§19): a peer that sends little but
# refused data must neither crowd others out of the bounded rejection log nor keep a pull worker busy.
REJECTIONS_PER_HOUR = 500


class Refused(ValueError):
    """Why an envelope is rejected; recorded, never stored."""


@dataclass
class _Page:
    """What one page is judged against (read once), and the writes it has accepted so far."""

    held: dict[str, Held]
    keys: dict[str, list[SigningKey]]
    grace: timedelta  # how long a key the origin rotated away from still verifies (LocalNode.key_grace)
    now: datetime = field(default_factory=utcnow)
    envelopes: dict[str, dict[str, Any]] = field(default_factory=dict)  # item id -> envelope row
    replicas: dict[str, Replica | None] = field(default_factory=dict)  # item id -> replica, None = remove
    clean: frozenset[Scanned] = frozenset()  # texts the guard's scan found clean in the verify helper


def ingest_page(session: Session, envelopes: list[Any], received_from: str, me: NodeView, sinks: ItemSinks,
                checked: list[Opened | None] | None = None, grace: timedelta = DEFAULT_KEY_GRACE,
                clean: frozenset[Scanned] = frozenset()) -> list[Outcome]:
    """Store each received envelope that is valid, signed by its origin, newer and meant for this node.

    `checked` may carry the result of check_signatures for these envelopes, so that
    signatures verified ahead of time (with the origins' current keys) are not verified twice;
    `clean`, from check_and_scan, the texts the guard need not scan again (validate_item's `known_clean`).
    """
    page = _Page(held_versions(session, _ids(envelopes)), signing_keys(session, signers(envelopes)), grace,
                 clean=clean)
    checked = checked or [None] * len(envelopes)
    outcomes = [_take(session, page, envelope, opened, received_from, me)
                for envelope, opened in zip(envelopes, checked)]
    replace_envelopes(session, list(page.envelopes.values()))
    equivocation.resolve(session, [i for i, row in page.envelopes.items() if not row.get("conflict")])
    replace_replicas(session, page.replicas, sinks)
    return outcomes


def ingest(session: Session, envelope: Any, received_from: str, me: NodeView, sinks: ItemSinks) -> Outcome:
    """Store one received envelope (see ingest_page)."""
    return ingest_page(session, [envelope], received_from, me, sinks)[0]


class _Unverified(NamedTuple):
    payload: dict[str, Any]
    signed: bytes
    signature: bytes
    key: bytes  # the origin's current public key, raw


def check_signatures(envelopes: list[Any], keys: dict[str, list[Ed25519PublicKey]]) -> list[Opened | None]:
    """Each envelope opened with its origin's current key, or None where that fails (ingest_page then says why)."""
    return check_and_scan(envelopes, keys, scan=False)[0]


def check_and_scan(envelopes: list[Any], keys: dict[str, list[Ed25519PublicKey]],
                   scan: bool = True) -> tuple[list[Opened | None], frozenset[Scanned]]:
    """check_signatures, and the texts the verify helper's guard scan found clean (for ingest_page's `clean`)."""
    prepared = [_prepare(envelope, keys) for envelope in envelopes]
    verdicts, clean = verify_and_scan([(p.key, p.signature, p.signed) for p in prepared if p is not None], scan)
    verdicts = iter(verdicts)
    return [(p.payload, p.signed) if p is not None and next(verdicts) else None for p in prepared], clean


def _prepare(envelope: Any, keys: dict[str, list[Ed25519PublicKey]]) -> _Unverified | None:
    try:
        current = keys[claimed_signer(envelope)][0]
        return _Unverified(*unseal(envelope), current.public_bytes_raw())
    except (WireError, KeyError):
        return None


def _take(session: Session, page: _Page, envelope: Any, opened: Opened | None, received_from: str,
          me: NodeView) -> Outcome:
    try:
        origin = claimed_signer(envelope)
        if origin == me.id:
            return Outcome.SKIPPED
        if origin not in page.keys:
            _check_waitable(envelope)
            _wait(session, envelope, origin, received_from, WaitsFor.KEY)
            return Outcome.WAITING
        (payload, signed), current = (opened, True) if opened else open_signed(envelope, page.keys[origin],
                                                                               page.now, page.grace)
        text = stored_text(signed, envelope["signature"])
        _check_shape(payload)
        if current and take_resigned(session, page, payload, text, received_from):
            return Outcome.RESIGNED
        return _take_kind(session, page, envelope, payload, signed, text, received_from, me)
    except (WireError, Refused, KeyRefused) as exc:
        _reject(session, envelope, received_from, str(exc))
        return Outcome.REJECTED


def _take_kind(session: Session, page: _Page, envelope: dict, payload: dict, signed: bytes, text: str,
               received_from: str, me: NodeView) -> Outcome:
    if payload["type"] == PLAN_ENDORSEMENT:
        return _take_plan_endorsement(session, page, envelope, payload, text, received_from)
    if payload["type"] == KEY_REVOCATION:
        return Outcome.REVOKED if take_revocation(session, page, payload, text, received_from) else Outcome.SKIPPED
    if payload["type"] == ITEM:
        sighting = equivocation.Sighting(payload["id"], payload["origin"], payload["version"],
                                         hashlib.sha256(signed).hexdigest(), text, received_from)
        return _take_item(session, page, payload, sighting, me)
    if payload["type"] == TOMBSTONE:
        return _take_tombstone(page, payload, text, received_from)
    return _take_withdrawal(page, payload, text, received_from, me)


def _check_shape(payload: dict[str, Any]) -> None:
    if payload.get("type") == PLAN_ENDORSEMENT:
        check_plan_endorsement_payload(payload)
    elif payload.get("type") == KEY_REVOCATION:
        check_key_revocation_payload(payload)
    else:
        check_item_payload(payload)


def _take_item(session: Session, page: _Page, payload: dict, sighting: equivocation.Sighting,
               me: NodeView) -> Outcome:
    item_id, held = payload["id"], page.held.get(payload["id"])
    text, received_from = sighting.text, sighting.received_from
    if held and held.version == payload["version"] and held.kind == EnvelopeKind.ITEM:
        return _judge_same_version(session, page, held, sighting)
    if held and held.version >= payload["version"]:
        return Outcome.SKIPPED
    published_at = _moment(payload["published_at"])
    try:
        # The origin's publisher may have recorded an override; its signature vouches for that choice.
        content = validate_item({**payload["content"], "id": item_id}, node_id=payload["origin"], now=published_at,
                                may_override=True, known_clean=page.clean)
    except ItemInvalid as exc:
        raise Refused(f"invalid item: {exc}") from None
    if not may_hold(content.audience, me, payload["origin"]):
        raise Refused("item is outside its audience on this node")
    _keep(page, payload, text, EnvelopeKind.ITEM, content.audience, received_from,
          payload_digest=sighting.digest)
    live = content.expires_at is None or content.expires_at > utcnow()
    # An expired item is still kept as an envelope (so it can be relayed), but not shown as a live item.
    replica = Replica(item_id, payload["origin"], payload["version"], published_at, content)
    page.replicas[item_id] = replica if live else None
    return Outcome.STORED


def _judge_same_version(session: Session, page: _Page, held: Held, sighting: equivocation.Sighting) -> Outcome:
    """A replay of the held payload is skipped; another payload signed for the same version is a conflict."""
    pending = page.envelopes.get(sighting.item_id)
    first = equivocation.held_digest(session, sighting.item_id, held, pending)
    if first == sighting.digest or not equivocation.record(session, sighting, first, pending):
        return Outcome.SKIPPED
    page.held[sighting.item_id] = held._replace(digest=first, conflict=True)
    page.replicas[sighting.item_id] = None  # withheld from pages, the API and search until resolved
    return Outcome.CONFLICT


def _take_tombstone(page: _Page, payload: dict, text: str, received_from: str) -> Outcome:
    item_id, held = payload["id"], page.held.get(payload["id"])
    if held and (held.version > payload["version"] or held.kind == EnvelopeKind.TOMBSTONE):
        return Outcome.SKIPPED
    _keep(page, payload, text, EnvelopeKind.TOMBSTONE, held.audience if held else UNSEEN_AUDIENCE, received_from,
          held.withdrawn_from if held else None)
    page.replicas[item_id] = None
    return Outcome.TOMBSTONED


def _take_withdrawal(page: _Page, payload: dict, text: str, received_from: str, me: NodeView) -> Outcome:
    """Drop a held earlier version the narrowed audience excludes (and keep the withdrawal: it ends earlier versions
    here and is passed on); inside the audience, keep it with the item to pass on."""
    item_id, held = payload["id"], page.held.get(payload["id"])
    if may_hold(payload["audience"], me, payload["origin"]):
        kept = page.envelopes.get(item_id)  # the item itself came just before it in this page
        if kept and kept["kind"] == EnvelopeKind.ITEM and kept["version"] == payload["version"]:
            kept.update(withdrawal=text, withdrawn_from=payload["withdrawn_from"])
            page.held[item_id] = page.held[item_id]._replace(withdrawn_from=payload["withdrawn_from"])
        return Outcome.SKIPPED
    if held is not None and (held.kind == EnvelopeKind.TOMBSTONE or held.version >= payload["version"]):
        return Outcome.SKIPPED  # ended, or narrowed past us already
    # Kept even where no earlier version is held: an earlier version still on its way (a slower relay, or the
    # waiting list) must find this node past it, or it would be taken and never withdrawn again.
    _keep(page, payload, text, EnvelopeKind.WITHDRAWAL, payload["audience"], received_from, payload["withdrawn_from"])
    page.replicas[item_id] = None
    return Outcome.WITHDRAWN


def _take_plan_endorsement(session: Session, page: _Page, envelope: dict, payload: dict, text: str,
                           received_from: str) -> Outcome:
    """Keep an endorsement by a participating municipality's node of a plan version held here (or wait for it)."""
    key, plan = plan_endorsement_id(payload), page.held.get(payload["plan"])
    if key in page.held or (plan and plan.kind != EnvelopeKind.ITEM):
        return Outcome.SKIPPED  # a duplicate, or the plan has ended (or left this node's audience)
    if plan is None or plan.version < payload["version"]:
        _wait(session, envelope, payload["endorser"], received_from, WaitsFor.PLAN)
        return Outcome.WAITING
    kept = page.envelopes.get(payload["plan"])
    plan_payload = json.loads(kept["envelope"])["payload"] if kept else held_payload(session, payload["plan"])
    _check_endorsable(session, payload, plan_payload, plan)
    page.held[key] = Held(payload["version"], EnvelopeKind.PLAN_ENDORSEMENT, plan.audience)
    page.envelopes[key] = plan_endorsement_row(payload, text, plan, received_from)
    return Outcome.ENDORSED


def _check_endorsable(session: Session, payload: dict, plan_payload: dict, plan: Held) -> None:
    """Refuse an endorsement of something that is not this plan version, or by a node that does not take part."""
    content = plan_payload["content"]
    if content["type"] != "plan":
        raise Refused("plan endorsement names an item that is not a plan")
    if plan.version == payload["version"] and digest(plan_payload) != payload["plan_digest"]:
        raise Refused("plan endorsement digest does not match the plan version it names")
    endorser = session.get(KnownNode, payload["endorser"])
    participants = content["details"].get("participating_municipalities") or []
    if endorser.kind != "municipality" or endorser.municipality != payload["municipality"] \
            or payload["municipality"] not in participants:
        raise Refused(f"{payload['endorser']} is not the node of a municipality participating in the plan")


def _keep(page: _Page, payload: dict, text: str, kind: EnvelopeKind, audience: Any, received_from: str,
          withdrawn_from: list[Any] | None = None, payload_digest: str | None = None) -> None:
    item_id, payload_digest = payload["id"], payload_digest or digest(payload)
    page.held[item_id] = Held(payload["version"], kind, audience, withdrawn_from, payload_digest)
    page.envelopes.pop(item_id, None)  # a later envelope for the same item in this page takes the later seq
    page.envelopes[item_id] = {"item_id": item_id, "origin": payload["origin"], "version": payload["version"],
                               "kind": kind, "audience": audience, "envelope": text, "received_from": received_from,
                               "withdrawn_from": withdrawn_from, "withdrawal": None, "subject": None,
                               "digest": payload_digest, "conflict": False}


def _ids(envelopes: list[Any]) -> list[str]:
    """The held rows a page is judged against: each item's, and each endorsement's own and its plan's."""
    payloads = [e.get("payload") for e in envelopes if isinstance(e, dict)]
    ids = [p["id"] for p in payloads if isinstance(p, dict) and isinstance(p.get("id"), str)]
    for p in payloads:
        if isinstance(p, dict) and p.get("type") == PLAN_ENDORSEMENT and isinstance(p.get("plan"), str):
            ids.append(p["plan"])
            if isinstance(p.get("endorser"), str) and isinstance(p.get("version"), int):
                ids.append(plan_endorsement_id(p))
        elif isinstance(p, dict) and p.get("type") == KEY_REVOCATION and isinstance(p.get("origin"), str):
            ids.append(row_id(p))
    return ids


def signers(envelopes: list[Any]) -> set[str]:
    """The origins these envelopes claim, before any verification."""
    claimed = set()
    for envelope in envelopes:
        try:
            claimed.add(claimed_signer(envelope))
        except WireError:
            continue
    return claimed


def _moment(text: Any) -> datetime:
    try:
        moment = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        raise Refused("published_at is not an ISO 8601 time") from None
    if moment.tzinfo is None:
        raise Refused("published_at has no time zone")
    return moment


def _check_waitable(envelope: dict) -> None:
    # An envelope kept for later must at least have a usable id and version, or the pull would fail on it.
    payload = envelope.get("payload")
    if payload.get("type") == PLAN_ENDORSEMENT:
        check_plan_endorsement_payload(payload)
    elif payload.get("type") == KEY_REVOCATION:
        check_key_revocation_payload(payload)
    elif not isinstance(payload.get("id"), str) or not isinstance(payload.get("version"), int) \
            or isinstance(payload.get("version"), bool):
        raise Refused("payload has no valid id and version")


def _wait(session: Session, envelope: Any, origin: str, received_from: str, waits_for: WaitsFor) -> None:
    # An endorsement waits under the plan version it names: that is what take_waiting looks for.
    payload = envelope["payload"]
    item_id = payload["plan"] if payload.get("type") == PLAN_ENDORSEMENT else row_id(payload)
    reason = (f"venter på en godkendt nøgle for {origin}" if waits_for == WaitsFor.KEY
              else f"venter på version {payload['version']} af planen {item_id}")
    session.add(WaitingEnvelope(
        item_id=item_id[:160], origin=origin, version=payload.get("version", 1), waits_for=waits_for,
        envelope=json.dumps(envelope, ensure_ascii=False), received_from=received_from, reason=reason,
    ))


def _reject(session: Session, envelope: Any, received_from: str, reason: str) -> None:
    payload = envelope.get("payload") if isinstance(envelope, dict) else None
    payload = payload if isinstance(payload, dict) else {}
    version = payload.get("version") if isinstance(payload.get("version"), int) else None
    item_id = str(payload.get("id"))[:160] if payload.get("id") else None
    session.add(Rejection(received_from=received_from, item_id=item_id,
                          version=version, reason=reason[:2000]))


def recent_rejections(session: Session, received_from: str, now: datetime) -> int:
    """How many envelopes from this peer were rejected within the last hour."""
    since = now - timedelta(hours=1)
    return session.scalar(select(func.count()).select_from(Rejection)
                          .where(Rejection.received_from == received_from, Rejection.at >= since))


def prune_ingest_logs(session: Session, now: datetime) -> tuple[int, int]:
    """Bound the waiting list and the rejection log by age and size; returns (waiting, rejections) removed.

    Both grow with what peers send, so a hostile or broken peer must not be able to grow them without end.
    """
    waiting = _prune(session, WaitingEnvelope, WaitingEnvelope.received_at, now - WAITING_KEPT, WAITING_MAX)
    rejections = _prune(session, Rejection, Rejection.at, now - REJECTIONS_KEPT, REJECTIONS_MAX)
    return waiting, rejections


def _prune(session: Session, model, stamped, older_than: datetime, keep: int) -> int:
    removed = session.execute(delete(model).where(stamped < older_than)).rowcount
    # Past the size limit the oldest go first: the newest rows are the ones an admin looks into.
    newest = select(model.id).order_by(stamped.desc(), model.id.desc()).limit(keep)
    return removed + session.execute(delete(model).where(model.id.not_in(newest))).rowcount
