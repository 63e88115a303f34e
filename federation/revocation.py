"""Retired and revoked keys: which of a node's keys still verify what, and signed revocations in the feed.

A key a node rotated away from verifies its envelopes for a grace window after this node followed the
rotation (LocalNode.key_grace), then it is retired. A signed revocation ("this key is compromised since T")
stops, at once, acceptance of anything the key signed at or after T, drops what this node holds of it,
and travels in the changes feed to every node, like a tombstone that is never pruned.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from federation.changes import Held, replace_envelopes
from federation.identity import b64url_decode, public_key_from_text, public_key_text
from federation.models import Envelope, EnvelopeKind, KnownNode, RetiredKey
from federation.wire import (
    KEY_REVOCATION,
    PLAN_ENDORSEMENT,
    SIGNED_AT,
    Opened,
    WireError,
    canonical,
    digest,
    key_revocation_id,
    key_revocation_payload,
    moment,
    plan_endorsement_id,
    seal,
    signed_at,
    stored_text,
    unseal,
)
from node.core.models import utcnow
from node.items.schema import format_datetime

# How long a key another node rotated away from still verifies its envelopes, unless VIDENSNET_KEY_GRACE_DAYS says.
DEFAULT_KEY_GRACE = timedelta(days=30)
# Every node may hold a revocation: everyone who accepted the key must learn that it is compromised.
REVOCATION_AUDIENCE = "network"
# Revocations are never pruned, and only their origin can sign them: this bounds what one node can make
# every other node keep for ever. An honest node rotates a handful of times in its life.
MAX_REVOCATIONS_PER_NODE = 100
_ROW_COLUMNS = [c for c in Envelope.__table__.c if c.name not in ("seq", "stored_at")]


class KeyRefused(ValueError):
    """An envelope signed with a key this node no longer accepts for it; the message says which and why."""


class SigningKey(NamedTuple):
    """One key of a known node and the limits this node applies to it."""

    public: Ed25519PublicKey
    text: str
    current: bool
    retired_at: datetime | None = None  # None for the current key
    revoked_since: datetime | None = None


def signing_keys(session: Session, node_ids: set[str]) -> dict[str, list[SigningKey]]:
    """Every key known for each of these nodes: the current one first, then earlier ones, newest first."""
    rows = session.execute(select(KnownNode.id, KnownNode.public_key, KnownNode.previous_keys)
                           .where(KnownNode.id.in_(node_ids))).all()
    limits = {(r.node_id, r.public_key): r for r in
              session.scalars(select(RetiredKey).where(RetiredKey.node_id.in_(node_ids)))}
    keys: dict[str, list[SigningKey]] = {}
    for row in rows:
        texts = [row.public_key, *reversed(row.previous_keys or [])]
        keys[row.id] = [_signing_key(text, text == row.public_key, limits.get((row.id, text))) for text in texts]
    return keys


def _signing_key(text: str, current: bool, limit: RetiredKey | None) -> SigningKey:
    return SigningKey(public_key_from_text(text), text, current, limit.retired_at if limit and not current else None,
                      limit.revoked_since if limit else None)


def open_signed(envelope: Any, keys: list[SigningKey], now: datetime, grace: timedelta) -> tuple[Opened, bool]:
    """The opened envelope and whether the node's current key signed it; KeyRefused or WireError naming why not.

    A key revocation is opened with the current key only: an earlier key cannot speak for the node any more.
    """
    payload, signed, signature = unseal(envelope)
    usable = keys[:1] if payload.get("type") == KEY_REVOCATION else keys
    for key in usable:
        try:
            key.public.verify(signature, signed)
        except InvalidSignature:
            continue
        _check_usable(key, payload, now, grace)
        return (payload, signed), key.current
    raise WireError("bad signature")


def _check_usable(key: SigningKey, payload: dict[str, Any], now: datetime, grace: timedelta) -> None:
    """Refuse what a revoked key signed at or after `since`, and anything a retired key signed after the window."""
    origin = payload.get("origin") or payload.get("endorser") or payload.get("id")
    if key.revoked_since is not None:
        at, field = signed_at(payload), SIGNED_AT.get(payload.get("type"), "signed time")
        if at is None or at >= key.revoked_since:
            raise KeyRefused(f"signeret med en nøgle for {origin}, der er spærret fra "
                             f"{format_datetime(key.revoked_since)}: {field} ligger ikke før")
    if not key.current and (key.retired_at is None or now >= key.retired_at + grace):
        retired = format_datetime(key.retired_at) if key.retired_at else "ukendt tid"
        raise KeyRefused(f"signeret kun med en tidligere nøgle for {origin}, udfaset {retired}: "
                         f"henstandsperioden på {grace.days} dage er udløbet")


def retire_key(session: Session, node_id: str, key: str, rotation: dict[str, Any]) -> None:
    """Record that `node_id` rotated away from `key` now; refuse a rotation the key signed after its revocation."""
    row = session.get(RetiredKey, (node_id, key))
    if row is not None and row.revoked_since is not None:
        at = signed_at(rotation)
        if at is None or at >= row.revoked_since:
            raise KeyRefused(f"nøgleskift for {node_id} er signeret med en nøgle, der er spærret fra "
                             f"{format_datetime(row.revoked_since)}: at ligger ikke før")
    row = row or RetiredKey(node_id=node_id, public_key=key)
    # By this node's clock: the rotation's `at` is chosen by whoever holds the old key, which may be a thief.
    row.retired_at = row.retired_at or utcnow()
    session.add(row)


def take_revocation(session: Session, page: Any, payload: dict[str, Any], text: str, received_from: str) -> bool:
    """Apply a received revocation at once and keep it in the feed; False when it is held already.

    `page` is ingest's page (held rows, pending rows, replicas and keys), updated in place.
    """
    origin, key, since = payload["origin"], payload["key"], moment(payload["since"])
    keys = page.keys.get(origin) or []
    if keys and keys[0].text == key:
        raise KeyRefused(f"key: en spærring kan ikke gælde den nuværende nøgle for {origin}")
    row_id = key_revocation_id(payload)
    if row_id in page.held:
        return False
    if _revocations_held(session, page, origin) >= MAX_REVOCATIONS_PER_NODE:
        raise KeyRefused(f"key: {origin} har allerede {MAX_REVOCATIONS_PER_NODE} spærrede nøgler her")
    _record_revocation(session, origin, key, since)
    page.keys[origin] = [k._replace(revoked_since=since) if k.text == key else k for k in keys]
    page.held[row_id] = Held(1, EnvelopeKind.KEY_REVOCATION, REVOCATION_AUDIENCE)
    page.envelopes[row_id] = revocation_row(payload, text, received_from)
    _drop_signed_since(session, page, origin, public_key_from_text(key), since)
    return True


def _revocations_held(session: Session, page: Any, origin: str) -> int:
    prefix = f"{origin}:key-revocation-"
    held = session.scalar(select(func.count()).select_from(Envelope)
                          .where(Envelope.item_id.startswith(prefix, autoescape=True)))
    return held + sum(1 for i in page.envelopes if i.startswith(prefix))


def _record_revocation(session: Session, origin: str, key: str, since: datetime) -> None:
    row = session.get(RetiredKey, (origin, key)) or RetiredKey(node_id=origin, public_key=key)
    if row.revoked_since is None or since < row.revoked_since:  # the earliest `since` of any revocation holds
        row.revoked_since = since
    row.revoked_at = row.revoked_at or utcnow()
    session.add(row)
    session.flush()


def revocation_row(payload: dict[str, Any], text: str, received_from: str | None) -> dict[str, Any]:
    """The feed row of a revocation: its own row, version 1, for every node."""
    return {"item_id": key_revocation_id(payload), "origin": payload["origin"], "version": 1,
            "kind": EnvelopeKind.KEY_REVOCATION, "audience": REVOCATION_AUDIENCE, "envelope": text,
            "received_from": received_from, "withdrawn_from": None, "withdrawal": None, "subject": None,
            "digest": digest(payload)}


def _drop_signed_since(session: Session, page: Any, origin: str, key: Ed25519PublicKey, since: datetime) -> None:
    """Drop what this node holds (or took earlier in the page) that only the revoked key signed at or after `since`.

    Every row signed by `origin` has an id starting with `origin:` (items, ends, endorsements, revocations).
    """
    held = session.execute(select(Envelope.item_id, Envelope.envelope)
                           .where(Envelope.item_id.startswith(origin + ":", autoescape=True))).all()
    pending = [(i, r["envelope"]) for i, r in page.envelopes.items() if i.startswith(origin + ":")]
    dropped = {item_id for item_id, text in [*held, *pending] if _signed_since(text, key, since)}
    if not dropped:
        return
    session.execute(Envelope.__table__.delete().where(Envelope.item_id.in_(dropped)))
    for item_id in dropped:
        page.envelopes.pop(item_id, None)
        page.held.pop(item_id, None)
        page.replicas[item_id] = None  # its replica, if it has one, goes through the item sinks


def _signed_since(text: str, key: Ed25519PublicKey, since: datetime) -> bool:
    at = signed_at(json.loads(text)["payload"])
    return (at is None or at >= since) and _verifies(text, key)


def row_id(payload: dict[str, Any]) -> str | None:
    """The feed id of the row a payload is held under, or None when it names none."""
    if payload.get("type") == PLAN_ENDORSEMENT:
        return plan_endorsement_id(payload)
    if payload.get("type") == KEY_REVOCATION:
        return key_revocation_id(payload)
    return payload.get("id") if isinstance(payload.get("id"), str) else None


def take_resigned(session: Session, page: Any, payload: dict[str, Any], text: str, received_from: str) -> bool:
    """Replace a held envelope by the same payload signed with the origin's current key; True if it did.

    The origin re-signs what it holds when it rotates or revokes a key, so what it signed before keeps
    verifying at nodes that learn it after the grace window. The row moves to a new seq, so it is relayed.
    """
    held_id = row_id(payload)
    held = page.held.get(held_id) if held_id else None
    if held is None or held.version != _feed_version(payload):
        return False
    row = dict(page.envelopes[held_id]) if held_id in page.envelopes else _held_row(session, held_id)
    old = json.loads(row["envelope"]) if row else None
    if old is None or old["signature"] == json.loads(text)["signature"] \
            or canonical(old["payload"]) != canonical(payload):
        return False
    page.envelopes.pop(held_id, None)
    page.envelopes[held_id] = {**row, "envelope": text, "received_from": received_from}
    return True


def _feed_version(payload: dict[str, Any]) -> int | None:
    return 1 if payload.get("type") == KEY_REVOCATION else payload.get("version")


def _held_row(session: Session, item_id: str) -> dict[str, Any] | None:
    found = session.execute(select(*_ROW_COLUMNS).where(Envelope.item_id == item_id)).mappings().first()
    return dict(found) if found else None


def revoke_own_key(session: Session, node_id: str, current: Ed25519PrivateKey, revoked: str,
                   since: datetime) -> dict[str, Any]:
    """Sign a revocation of this node's earlier key `revoked` with its current key and put it in the feed."""
    if revoked == public_key_text(current):
        raise KeyRefused("den nuværende nøgle kan ikke spærres; skift nøgle først (vidensnet key rotate)")
    payload = key_revocation_payload(node_id, revoked, format_datetime(since), format_datetime(utcnow()))
    envelope = seal(payload, current)
    text = json.dumps(envelope, ensure_ascii=False, separators=(",", ":"))
    replace_envelopes(session, [revocation_row(payload, text, None)])
    return envelope


def resign_own_envelopes(session: Session, node_id: str, key: Ed25519PrivateKey) -> int:
    """Sign this node's own envelopes again with `key` where another key signed them (same payloads); how many.

    Each re-signed row moves to the end of the feed, so peers fetch it and replace their copy.
    """
    found = session.execute(
        select(*_ROW_COLUMNS).where(Envelope.received_from.is_(None),
                                    Envelope.item_id.startswith(node_id + ":", autoescape=True))
        .order_by(Envelope.seq)).mappings()
    public = key.public_key()
    rows = [dict(r) for r in found if not _verifies(r["envelope"], public)]  # already signed with `key`: kept
    for row in rows:
        row["envelope"] = _resealed(row["envelope"], key)
        row["withdrawal"] = _resealed(row["withdrawal"], key) if row["withdrawal"] else None
    replace_envelopes(session, rows)
    return len(rows)


def _resealed(text: str, key: Ed25519PrivateKey) -> str:
    payload = json.loads(text)["payload"]
    return stored_text(canonical(payload), seal(payload, key)["signature"])


def worth_refetching(session: Session, held_ids: list[str], peer_id: str) -> set[str]:
    """Of ids a peer announces again at the version held here, those that may now carry a newer signature.

    A peer's own envelope announced again is one it re-signed. A relayed one is worth it when its origin
    has rotated and the copy held here does not verify with the origin's current key.
    """
    own = {i for i in held_ids if _signer_of(i) == peer_id}
    relayed = [i for i in held_ids if i not in own]
    rotated = set(session.scalars(select(RetiredKey.node_id)
                                  .where(RetiredKey.node_id.in_({_signer_of(i) for i in relayed}))))
    candidates = [i for i in relayed if _signer_of(i) in rotated]
    if not candidates:
        return own
    current = dict(session.execute(select(KnownNode.id, KnownNode.public_key).where(KnownNode.id.in_(rotated))).all())
    texts = session.execute(select(Envelope.item_id, Envelope.envelope).where(Envelope.item_id.in_(candidates)))
    return own | {i for i, text in texts if _signer_of(i) in current
                  and not _verifies(text, public_key_from_text(current[_signer_of(i)]))}


def _signer_of(item_id: str) -> str:
    return item_id.rpartition(":")[0]


def _verifies(text: str, key: Ed25519PublicKey) -> bool:
    envelope = json.loads(text)
    try:
        key.verify(b64url_decode(envelope["signature"]), canonical(envelope["payload"]))
        return True
    except (InvalidSignature, ValueError):
        return False
