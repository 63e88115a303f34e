"""Key rotation: a node announces a new key in a statement signed by its old one.

Receivers accept the new key only through a chain of such statements starting
at the key they already trust, and keep the old keys so envelopes signed
before the rotation still verify.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy.orm import Session

from federation.identity import KEY_FILE, generate_node_key, load_node_key, public_key_text
from federation.models import KnownNode, Peer
from federation.revocation import KeyRefused, retire_key
from federation.trust import TrustError, check_descriptor
from federation.wire import KEY_ROTATION, WireError, open_envelope, rotation_payload, seal
from node.core.models import utcnow
from node.core.private_files import write_private_text
from node.items.schema import format_datetime

ROTATIONS_FILE = "rotations.json"


def own_rotations(keys_dir: Path) -> list[dict[str, Any]]:
    """This node's signed rotation statements, oldest first."""
    path = keys_dir / ROTATIONS_FILE
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else []


def rotate_node_key(keys_dir: Path, node_id: str) -> tuple[Ed25519PrivateKey, Ed25519PrivateKey, dict[str, Any]]:
    """Replace the node key: returns (old key, new key, statement signed by the old key)."""
    old = load_node_key(keys_dir)
    archived = keys_dir / f"{KEY_FILE}.{len(own_rotations(keys_dir)) + 1}.old"
    (keys_dir / KEY_FILE).rename(archived)
    new = generate_node_key(keys_dir)
    payload = rotation_payload(node_id, public_key_text(old), public_key_text(new), format_datetime(utcnow()))
    statement = seal(payload, old)
    path = keys_dir / ROTATIONS_FILE
    write_private_text(path, json.dumps([*own_rotations(keys_dir), statement], indent=2) + "\n")
    return old, new, statement


def apply_rotations(session: Session, node_id: str, rotations: list[Any], descriptor_envelope: Any) -> bool:
    """Follow signed rotations from the key we trust to the descriptor's key; True when the key changed."""
    row = session.get(KnownNode, node_id)
    if row is None:
        raise TrustError(f"{node_id} is not a known node")
    descriptor = check_descriptor(descriptor_envelope)
    if descriptor.id != node_id:
        raise TrustError("descriptor is for another node")
    if descriptor.payload["public_key"] == row.public_key:
        return False
    # Kind and place decide what a node may receive and what it may vouch for: a new key must not change
    # them, as an approved peer's new descriptor may not (federation/peering.py).
    if row.facts_differ(descriptor.payload):
        raise TrustError(f"a key rotation cannot change {node_id}'s kind, municipality or district")
    for statement in rotations:
        _step(session, row, statement)
    if row.public_key != descriptor.payload["public_key"]:
        raise TrustError(f"no signed rotation leads from the known key of {node_id} to its new key")
    row.descriptor, row.updated_at = json.dumps(descriptor.envelope, ensure_ascii=False), utcnow()
    row.rotations = list(rotations)
    peer = session.get(Peer, node_id)
    if peer is not None:
        peer.public_key, peer.descriptor = row.public_key, row.descriptor
    return True


def _step(session: Session, row: KnownNode, statement: Any) -> None:
    payload = statement.get("payload") if isinstance(statement, dict) else None
    if not isinstance(payload, dict) or payload.get("type") != KEY_ROTATION or payload.get("origin") != row.id:
        raise TrustError("not a key rotation of this node")
    if payload.get("old_key") != row.public_key:
        return  # a step before (or beside) the key we know: nothing to learn from it
    try:
        open_envelope(statement, row.public_key)
    except WireError as exc:
        raise TrustError(f"key rotation of {row.id}: {exc}") from None
    try:
        retire_key(session, row.id, row.public_key, payload)  # its grace window starts now
    except KeyRefused as exc:
        raise TrustError(str(exc)) from None
    row.previous_keys = [*(row.previous_keys or []), row.public_key]
    row.public_key = payload["new_key"]
