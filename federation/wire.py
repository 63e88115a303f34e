"""The federation wire format: canonical JSON, signed envelopes and their payloads.

Pure functions only — no database, no HTTP — so every rule here can be tested
against saved JSON. An envelope is `{"payload": {...}, "signature": "..."}`;
the signature is Ed25519 over the RFC 8785 canonical JSON of the payload.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from federation.identity import b64url, b64url_decode, public_key_from_text
from node.core.canonical import canonical_json
from node.core.ids import LOCAL_ID, NODE_ID

PROTOCOL = 1
ITEM = "vidensnet.item"
TOMBSTONE = "vidensnet.tombstone"
WITHDRAWAL = "vidensnet.withdrawal"
NODE = "vidensnet.node"
ENDORSEMENT = "vidensnet.endorsement"
KEY_ROTATION = "vidensnet.key-rotation"
PLAN_ENDORSEMENT = "vidensnet.plan-endorsement"
KEY_REVOCATION = "vidensnet.key-revocation"

# The author-controlled fields of an item, exactly as in docs/item-format.md.
CONTENT_FIELDS = (
    "type", "title", "summary", "body", "audience", "tags", "municipalities", "police_districts",
    "prevention_level", "target_groups", "cooperation", "expires_at", "details",
)
NODE_FIELDS = ("id", "name", "kind", "municipality", "district", "url", "public_key")
KEY_REVOCATION_FIELDS = ("origin", "key", "since", "at")
# The field holding the time each payload type says it was signed at, which a revocation is judged against.
SIGNED_AT = {ITEM: "published_at", TOMBSTONE: "at", WITHDRAWAL: "at", PLAN_ENDORSEMENT: "endorsed_at",
             KEY_ROTATION: "at", KEY_REVOCATION: "at", ENDORSEMENT: "at", NODE: "issued_at"}
PLAN_ENDORSEMENT_FIELDS = ("endorser", "municipality", "plan", "version", "plan_digest", "endorsed_at")
_ITEM_ID = re.compile(NODE_ID.pattern + ":" + LOCAL_ID.pattern)


# An opened envelope: its payload and the canonical bytes its signature was checked over.
Opened = tuple[dict[str, Any], bytes]


class WireError(ValueError):
    """Data that is not a valid, correctly signed envelope; the message says why."""


def canonical(payload: Any) -> bytes:
    """RFC 8785 canonical JSON: the exact bytes that are signed."""
    return canonical_json(payload)


def digest(payload: Any) -> str:
    """SHA-256 (hex) of the canonical payload."""
    return hashlib.sha256(canonical(payload)).hexdigest()


def seal(payload: dict[str, Any], key: Ed25519PrivateKey) -> dict[str, Any]:
    """Sign a payload into an envelope."""
    return {"payload": payload, "signature": b64url(key.sign(canonical(payload)))}


def seal_as_text(payload: dict[str, Any], key: Ed25519PrivateKey) -> tuple[str, str]:
    """Sign a payload into an envelope's stored text, with the payload's digest, canonicalising it once."""
    signed = canonical(payload)
    return stored_text(signed, b64url(key.sign(signed))), hashlib.sha256(signed).hexdigest()


def open_envelope(envelope: Any, public_key: str) -> dict[str, Any]:
    """The payload of an envelope whose signature verifies with this public key, else WireError."""
    try:
        key = public_key_from_text(public_key)
    except ValueError:
        raise WireError("bad signature") from None
    return open_with_keys(envelope, [key])[0]


def open_with_keys(envelope: Any, keys: list[Ed25519PublicKey]) -> Opened:
    """The payload and its signed canonical bytes, if the signature verifies with any of the keys; else WireError."""
    payload, signed, signature = unseal(envelope)
    for key in keys:
        try:
            key.verify(signature, signed)
            return payload, signed
        except InvalidSignature:
            continue
    raise WireError("bad signature")


def speaks_protocol(payload: Any) -> bool:
    """True when `payload` is an object whose `protocol` is the JSON integer 1.

    A plain `== PROTOCOL` would also let `true` and `1.0` through (in Python `True == 1`
    and `1.0 == 1`), so the type is checked too: an int, and not a bool.
    """
    if not isinstance(payload, dict):
        return False
    protocol = payload.get("protocol")
    return type(protocol) is int and protocol == PROTOCOL


def unseal(envelope: Any) -> tuple[dict[str, Any], bytes, bytes]:
    """An envelope's payload, the canonical bytes its signature must cover, and the signature; nothing verified."""
    if not isinstance(envelope, dict) or set(envelope) != {"payload", "signature"}:
        raise WireError("an envelope has exactly the keys 'payload' and 'signature'")
    payload = envelope["payload"]
    if not speaks_protocol(payload):
        raise WireError(f"payload must be an object with protocol {PROTOCOL}")
    try:
        return payload, canonical(payload), b64url_decode(envelope["signature"])
    except (ValueError, TypeError):
        raise WireError("bad signature") from None


def stored_text(signed_payload: bytes, signature: str) -> str:
    """An opened envelope as compact JSON text, built from the canonical bytes already verified."""
    return '{"payload":' + signed_payload.decode("utf-8") + ',"signature":' + json.dumps(signature) + "}"


def claimed_signer(envelope: Any) -> str:
    """The node an envelope says signed it (its origin), before any verification."""
    payload = envelope.get("payload") if isinstance(envelope, dict) else None
    if isinstance(payload, dict) and payload.get("type") == PLAN_ENDORSEMENT:
        signer = payload.get("endorser")
    else:
        signer = payload.get("origin") or payload.get("id") if isinstance(payload, dict) else None
    if not isinstance(signer, str):
        raise WireError("payload names no origin")
    return signer


def item_payload(item: dict[str, Any]) -> dict[str, Any]:
    """The signed form of one published item version, from its item JSON."""
    return {
        "type": ITEM,
        "protocol": PROTOCOL,
        "id": item["id"],
        "origin": item["origin"],
        "version": item["version"],
        "published_at": item["published_at"],
        "content": {name: item[name] for name in CONTENT_FIELDS},
    }


def tombstone_payload(item_id: str, origin: str, version: int, reason: str, at: str) -> dict[str, Any]:
    """The signed form of a retraction or expiry; `version` is the last version it ends."""
    if reason not in ("retracted", "expired"):
        raise WireError("reason must be 'retracted' or 'expired'")
    return {"type": TOMBSTONE, "protocol": PROTOCOL, "id": item_id, "origin": origin,
            "version": version, "reason": reason, "at": at}


def withdrawal_payload(item_id: str, origin: str, version: int, audience: Any, withdrawn_from: list[Any],
                       at: str) -> dict[str, Any]:
    """The signed notice that from `version` on the item is only for `audience`, no longer for `withdrawn_from`."""
    return {"type": WITHDRAWAL, "protocol": PROTOCOL, "id": item_id, "origin": origin, "version": version,
            "audience": audience, "withdrawn_from": withdrawn_from, "at": at}


def node_payload(descriptor: dict[str, Any], issued_at: str) -> dict[str, Any]:
    """A node descriptor to be self-signed (and endorsed by nodes that trust it)."""
    return {"type": NODE, "protocol": PROTOCOL, **{k: descriptor.get(k) for k in NODE_FIELDS},
            "issued_at": issued_at}


def endorsement_payload(endorser: str, descriptor_envelope: dict[str, Any], at: str) -> dict[str, Any]:
    """An endorser's statement that a descriptor (by its digest) is the real key of that node."""
    payload = descriptor_envelope["payload"]
    return {"type": ENDORSEMENT, "protocol": PROTOCOL, "origin": endorser, "node": payload["id"],
            "public_key": payload["public_key"], "descriptor": digest(payload), "at": at}


def rotation_payload(origin: str, old_key: str, new_key: str, at: str) -> dict[str, Any]:
    """A node's statement, to be signed with its old key, that its key is now `new_key`."""
    return {"type": KEY_ROTATION, "protocol": PROTOCOL, "origin": origin, "old_key": old_key, "new_key": new_key,
            "at": at}


def plan_endorsement_payload(endorser: str, municipality: str, plan_payload: dict[str, Any],
                             endorsed_at: str) -> dict[str, Any]:
    """A municipality node's statement that it endorses one signed version of a plan (named by its digest)."""
    return {"type": PLAN_ENDORSEMENT, "protocol": PROTOCOL, "endorser": endorser, "municipality": municipality,
            "plan": plan_payload["id"], "version": plan_payload["version"], "plan_digest": digest(plan_payload),
            "endorsed_at": endorsed_at}


def plan_endorsement_id(payload: dict[str, Any]) -> str:
    """The feed id of an endorsement: one per endorser, plan and version, shaped like an item id of the endorser."""
    named = hashlib.sha256(f"{payload['plan']}#{payload['version']}".encode()).hexdigest()[:32]
    return f"{payload['endorser']}:plan-endorsement-{named}"


def check_plan_endorsement_payload(payload: dict[str, Any]) -> dict[str, Any]:
    """Check the shape of a plan endorsement payload; returns it."""
    return _check_fields(payload, PLAN_ENDORSEMENT, "plan endorsement", PLAN_ENDORSEMENT_FIELDS, lambda p: {
        "endorser": isinstance(p["endorser"], str) and NODE_ID.fullmatch(p["endorser"]),
        "municipality": isinstance(p["municipality"], str) and re.fullmatch(r"[0-9]{4}", p["municipality"]),
        "plan": isinstance(p["plan"], str) and _ITEM_ID.fullmatch(p["plan"]),
        "version": type(p["version"]) is int and p["version"] >= 1,
        "plan_digest": isinstance(p["plan_digest"], str) and re.fullmatch(r"[0-9a-f]{64}", p["plan_digest"]),
        "endorsed_at": _is_utc_moment(p["endorsed_at"]),
    })


def _check_fields(payload: dict[str, Any], kind: str, label: str, fields: tuple[str, ...],
                  checks: Callable[[dict[str, Any]], dict[str, Any]]) -> dict[str, Any]:
    """Refuse a payload of another type, without one of `fields`, or failing one of `checks`; returns it."""
    missing = [k for k in fields if k not in payload]
    if payload.get("type") != kind or missing:
        raise WireError(f"{label} lacks {', '.join(missing) or 'its type'}")
    bad = [name for name, ok in checks(payload).items() if not ok]
    if bad:
        raise WireError(f"{label} has an invalid {', '.join(bad)}")
    return payload


def key_revocation_payload(origin: str, key: str, since: str, at: str) -> dict[str, Any]:
    """A node's statement, signed with its current key, that its earlier key `key` is compromised since `since`."""
    return {"type": KEY_REVOCATION, "protocol": PROTOCOL, "origin": origin, "key": key, "since": since, "at": at}


def key_revocation_id(payload: dict[str, Any]) -> str:
    """The feed id of a revocation: one per node and revoked key, shaped like an item id of that node."""
    named = hashlib.sha256(str(payload["key"]).encode()).hexdigest()[:32]
    return f"{payload['origin']}:key-revocation-{named}"


def check_key_revocation_payload(payload: dict[str, Any]) -> dict[str, Any]:
    """Check the shape of a key revocation payload; returns it."""
    return _check_fields(payload, KEY_REVOCATION, "key revocation", KEY_REVOCATION_FIELDS, lambda p: {
        "origin": isinstance(p["origin"], str) and NODE_ID.fullmatch(p["origin"]),
        "key": _is_public_key(p["key"]),
        "since": _is_utc_moment(p["since"]),
        "at": _is_utc_moment(p["at"]),
    })


def signed_at(payload: dict[str, Any]) -> datetime | None:
    """When a payload says it was signed (its type's time field, SIGNED_AT), or None if that does not parse."""
    value = payload.get(SIGNED_AT.get(payload.get("type"), ""))
    return moment(value) if _is_utc_moment(value) else None


def moment(value: str) -> datetime:
    """An ISO 8601 time with a time zone ("2026-11-01T09:30:00Z") as an aware datetime; ValueError otherwise."""
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        raise ValueError(f"{value!r} has no time zone")
    return parsed


def check_item_payload(payload: dict[str, Any]) -> dict[str, Any]:
    """Check the envelope-level shape of an item, tombstone or withdrawal payload; returns it."""
    kind = payload.get("type")
    required = {ITEM: ("id", "origin", "version", "published_at", "content"),
                TOMBSTONE: ("id", "origin", "version", "reason", "at"),
                WITHDRAWAL: ("id", "origin", "version", "audience", "withdrawn_from", "at")}.get(kind)
    if required is None:
        raise WireError(f"unexpected payload type {kind!r}")
    missing = [k for k in required if k not in payload]
    if missing:
        raise WireError(f"payload lacks {', '.join(missing)}")
    if not isinstance(payload["version"], int) or payload["version"] < 1:
        raise WireError("version must be a positive integer")
    if not isinstance(payload["id"], str) or not payload["id"].startswith(payload["origin"] + ":"):
        raise WireError("an item id must start with its origin")
    if kind == ITEM and (not isinstance(payload["content"], dict) or set(payload["content"]) != set(CONTENT_FIELDS)):
        raise WireError("content must hold exactly the item content fields")
    if kind == WITHDRAWAL and not (_is_audience(payload["audience"]) and isinstance(payload["withdrawn_from"], list)
                                   and 0 < len(payload["withdrawn_from"]) <= 20
                                   and all(_is_audience(a) for a in payload["withdrawn_from"])):
        raise WireError("a withdrawal needs a valid audience and 1-20 valid earlier audiences")
    return payload


def _is_utc_moment(value: Any) -> bool:
    """An ISO 8601 time with a time zone, as the reference signs them ("2026-11-01T09:30:00Z")."""
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).tzinfo is not None
    except (AttributeError, ValueError):
        return False


def _is_public_key(value: Any) -> bool:
    try:
        public_key_from_text(value)
        return isinstance(value, str) and "=" not in value  # compared as text: only the unpadded form (§3.3)
    except (ValueError, TypeError):
        return False


def _is_audience(value: Any) -> bool:
    """The shape of an audience: "public", "network", or {"districts": [...], "nodes": [...]} with one or both keys."""
    if value in ("public", "network"):
        return True
    if not isinstance(value, dict) or not value or not set(value) <= {"districts", "nodes"}:
        return False
    return all(isinstance(m, list) and all(isinstance(x, str) for x in m) for m in value.values())
