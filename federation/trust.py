"""Node descriptors and which keys this node accepts: its peers', and those a trusted node endorses."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from federation.identity import public_key_from_text, public_key_text
from federation.models import KnownNode
from federation.tokens import CLOCK_SKEW_SECONDS
from federation.wire import NODE, WireError, digest, endorsement_payload, node_payload, open_envelope, seal
from node.core.config import NODE_KINDS, NodeSettings
from node.core.ids import NODE_ID
from node.core.models import utcnow
from node.items.schema import format_datetime

# Freshness (docs/federation-protocol.md §14): nothing signed may come from further in the future than the
# clock skew allows; a node's own descriptor and any endorsement that counts must be at most 30 days old.
CLOCK_SKEW = timedelta(seconds=CLOCK_SKEW_SECONDS)
DESCRIPTOR_MAX_AGE = timedelta(days=30)
ENDORSEMENT_MAX_AGE = timedelta(days=30)


class TrustError(ValueError):
    """A descriptor or endorsement that cannot be accepted; the message says why."""


@dataclass(frozen=True)
class Descriptor:
    """A checked, self-signed node descriptor."""

    envelope: dict[str, Any]

    @property
    def payload(self) -> dict[str, Any]:
        return self.envelope["payload"]

    @property
    def id(self) -> str:
        return self.payload["id"]


def own_descriptor(settings: NodeSettings, key: Ed25519PrivateKey) -> dict[str, Any]:
    """This node's descriptor, signed by its own key."""
    descriptor = {"id": settings.id, "name": settings.name, "kind": settings.kind, "url": settings.url,
                  "municipality": settings.municipality, "district": settings.district,
                  "public_key": public_key_text(key)}
    return seal(node_payload(descriptor, format_datetime(utcnow())), key)


def signed_at(value: Any) -> datetime:
    """The UTC time an ISO 8601 `issued_at` or `at` names; TrustError when it names none."""
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise TrustError(f"{value!r} is not an ISO 8601 time") from None
    if moment.tzinfo is None:
        raise TrustError(f"{value!r} has no UTC offset")
    return moment.astimezone(UTC)


def check_fresh(value: Any, max_age: timedelta | None, what: str, now: datetime | None = None) -> None:
    """Refuse a signed time from the future (past the clock skew) or, with `max_age`, older than that."""
    now, moment = now or utcnow(), signed_at(value)
    if moment > now + CLOCK_SKEW:
        raise TrustError(f"{what} is signed in the future ({value})")
    if max_age is not None and moment < now - max_age:
        raise TrustError(f"{what} is older than {max_age.days} days ({value})")


def check_descriptor(envelope: Any, max_age: timedelta | None = None) -> Descriptor:
    """A descriptor whose fields are well-formed and whose signature matches its own key.

    Its `issued_at` may not lie in the future; `max_age` is given where the node itself serves it
    (its own descriptor is signed per request), not for descriptors other nodes relay (§14).
    """
    payload = envelope.get("payload") if isinstance(envelope, dict) else None
    if not isinstance(payload, dict) or payload.get("type") != NODE:
        raise TrustError("not a node descriptor")
    if not isinstance(payload.get("id"), str) or not NODE_ID.fullmatch(payload["id"]):
        raise TrustError("descriptor has no valid node id")
    if payload.get("kind") not in NODE_KINDS or not str(payload.get("url", "")).startswith(("http://", "https://")):
        raise TrustError("descriptor has no valid kind or url")
    try:
        open_envelope(envelope, payload.get("public_key", ""))
    except WireError as exc:
        raise TrustError(f"descriptor of {payload['id']}: {exc}") from None
    check_fresh(payload.get("issued_at"), max_age, f"descriptor of {payload['id']}")
    return Descriptor(envelope)


def endorse(descriptor: Descriptor, endorser: str, key: Ed25519PrivateKey) -> dict[str, Any]:
    """This node's signed statement that the descriptor's key belongs to that node."""
    return seal(endorsement_payload(endorser, descriptor.envelope, format_datetime(utcnow())), key)


def check_endorsement(descriptor: Descriptor, endorsement: Any, trusted_keys: dict[str, str]) -> str:
    """The endorser's id when a directly trusted node signed this exact descriptor; else TrustError."""
    payload = endorsement.get("payload") if isinstance(endorsement, dict) else None
    endorser = payload.get("origin") if isinstance(payload, dict) else None
    if endorser not in trusted_keys:
        raise TrustError(f"endorsement by {endorser!r}, which this node does not trust directly")
    try:
        payload = open_envelope(endorsement, trusted_keys[endorser])
    except WireError as exc:
        raise TrustError(f"endorsement by {endorser}: {exc}") from None
    expected = (descriptor.id, descriptor.payload["public_key"], digest(descriptor.payload))
    if (payload.get("node"), payload.get("public_key"), payload.get("descriptor")) != expected:
        raise TrustError(f"endorsement by {endorser} is for another descriptor")
    return endorser


def check_pinned(descriptor: Descriptor, pinned: dict[str, str]) -> None:
    """Refuse a descriptor of a pinned node (a trust anchor) that carries another key than the configured one."""
    expected = pinned.get(descriptor.id)
    if expected is not None and descriptor.payload["public_key"] != expected:
        raise TrustError(f"{descriptor.id} is a trust anchor whose configured key differs from its descriptor's")


def remember_node(session: Session, descriptor: Descriptor, vouched_by: str,
                  endorsements: list[Any] | None = None) -> KnownNode:
    """Accept (or refresh) a node's key on these endorsements; a different key for a known node is refused."""
    p = descriptor.payload
    row = session.get(KnownNode, p["id"])
    if row is not None and row.public_key != p["public_key"]:
        raise TrustError(f"{p['id']} is known with another key; keys change only by signed rotation")
    row = row or KnownNode(id=p["id"], previous_keys=[], rotations=[])
    row.take_descriptor(descriptor.envelope)
    row.vouched_by = vouched_by
    row.endorsement = json.dumps(endorsements, ensure_ascii=False) if endorsements else row.endorsement
    row.updated_at = utcnow()
    session.add(row)
    session.flush()
    return row


def stored_endorsements(row: KnownNode) -> list[dict[str, Any]]:
    """The endorsements a known node's key was accepted on that name its stored descriptor (stale ones left out)."""
    stored = json.loads(row.endorsement) if row.endorsement else []
    stored = [stored] if isinstance(stored, dict) else stored  # one object in rows from before agreement
    wanted = digest(json.loads(row.descriptor)["payload"])
    return [e for e in stored if isinstance(e, dict) and (e.get("payload") or {}).get("descriptor") == wanted]


def accepted_key(session: Session, node_id: str) -> str | None:
    """The current public key this node accepts for `node_id`, if any."""
    row = session.get(KnownNode, node_id)
    return row.public_key if row else None


def accepted_public_keys(session: Session, node_ids: set[str]) -> dict[str, list[Ed25519PublicKey]]:
    """Every key accepted for each of these nodes: the current one first, then those it rotated away from.

    Nodes with no accepted key are left out.
    """
    rows = session.execute(
        select(KnownNode.id, KnownNode.public_key, KnownNode.previous_keys).where(KnownNode.id.in_(node_ids))
    ).all()
    return {r.id: [public_key_from_text(k) for k in (r.public_key, *reversed(r.previous_keys or []))] for r in rows}
