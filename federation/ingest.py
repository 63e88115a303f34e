"""Taking in one received envelope: verify, validate, check audience and version, then store."""

from __future__ import annotations

import json
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from federation.audience import NodeView, may_hold
from federation.feed import held_versions, store_envelope
from federation.models import Envelope, EnvelopeKind, Rejection, WaitingEnvelope
from federation.trust import accepted_keys
from federation.wire import ITEM, WireError, check_item_payload, claimed_signer, open_envelope
from node.item_schema import ItemInvalid, validate_item
from node.models import utcnow
from node.replicas import remove_replica, store_replica


class Outcome(StrEnum):
    STORED = "stored"
    TOMBSTONED = "tombstoned"
    SKIPPED = "skipped"  # already held at this version or newer (replays included)
    WAITING = "waiting"  # the origin's key is not accepted yet
    REJECTED = "rejected"


class Refused(ValueError):
    """Why an envelope is rejected; recorded, never stored."""


def ingest(session: Session, envelope: Any, received_from: str, me: NodeView) -> Outcome:
    """Store one received envelope if it is valid, signed by its origin, newer and meant for this node."""
    try:
        origin = claimed_signer(envelope)
        if origin == me.id:
            return Outcome.SKIPPED
        keys = accepted_keys(session, origin)
        if not keys:
            _check_waitable(envelope)
            _wait(session, envelope, origin, received_from)
            return Outcome.WAITING
        payload = check_item_payload(_open_with_any(envelope, keys))
        return _apply(session, payload, envelope, received_from, me)
    except (WireError, Refused) as exc:
        _reject(session, envelope, received_from, str(exc))
        return Outcome.REJECTED


def _open_with_any(envelope: Any, keys: list[str]) -> dict:
    for key in keys[:-1]:
        try:
            return open_envelope(envelope, key)
        except WireError:
            continue
    return open_envelope(envelope, keys[-1])


def _apply(session: Session, payload: dict, envelope: dict, received_from: str, me: NodeView) -> Outcome:
    held = held_versions(session, [payload["id"]]).get(payload["id"])
    if payload["type"] == ITEM:
        if held and held[0] >= payload["version"]:
            return Outcome.SKIPPED
        published_at = _moment(payload["published_at"])
        try:
            content = validate_item({**payload["content"], "id": payload["id"]}, node_id=payload["origin"], now=published_at)
        except ItemInvalid as exc:
            raise Refused(f"invalid item: {exc}") from None
        if not may_hold(content.audience, me, payload["origin"]):
            raise Refused("item is outside its audience on this node")
        store_envelope(session, payload, envelope, EnvelopeKind.ITEM, content.audience, received_from)
        if content.expires_at is None or content.expires_at > utcnow():
            store_replica(session, payload["id"], payload["origin"], payload["version"], published_at, content)
        return Outcome.STORED
    if held and (held[0] > payload["version"] or held[1] == EnvelopeKind.TOMBSTONE):
        return Outcome.SKIPPED
    audience = _held_audience(session, payload["id"])
    store_envelope(session, payload, envelope, EnvelopeKind.TOMBSTONE, audience, received_from)
    remove_replica(session, payload["id"])
    return Outcome.TOMBSTONED


def _held_audience(session: Session, item_id: str) -> Any:
    audience = session.scalar(select(Envelope.audience).where(Envelope.item_id == item_id))
    # A tombstone for an item never seen here is relayed as narrowly as possible.
    return audience if audience is not None else {"nodes": []}


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
    if not isinstance(payload.get("id"), str) or not isinstance(payload.get("version"), int) \
            or isinstance(payload.get("version"), bool):
        raise Refused("payload has no valid id and version")


def _wait(session: Session, envelope: Any, origin: str, received_from: str) -> None:
    payload = envelope["payload"]
    session.add(WaitingEnvelope(
        item_id=payload["id"][:160], origin=origin, version=payload["version"],
        envelope=json.dumps(envelope, ensure_ascii=False), received_from=received_from,
        reason=f"venter på en godkendt nøgle for {origin}",
    ))


def _reject(session: Session, envelope: Any, received_from: str, reason: str) -> None:
    payload = envelope.get("payload") if isinstance(envelope, dict) else None
    payload = payload if isinstance(payload, dict) else {}
    version = payload.get("version") if isinstance(payload.get("version"), int) else None
    session.add(Rejection(received_from=received_from, item_id=str(payload.get("id"))[:160] if payload.get("id") else None,
                          version=version, reason=reason[:2000]))
