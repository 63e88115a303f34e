"""Key rotation: a signed chain from the known key is followed, and it cannot change the node's facts."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from federation.identity import public_key_text
from federation.models import KnownNode
from federation.rotation import apply_rotations
from federation.trust import TrustError, check_descriptor, own_descriptor, remember_node
from federation.wire import rotation_payload, seal
from node.core.config import NodeSettings

POLITI = NodeSettings("oestjyllands-politi", "Østjyllands Politi", "police", "http://127.0.0.1:9",
                      district="Østjyllands Politi")
AS_NATIONAL = NodeSettings("oestjyllands-politi", "Østjyllands Politi", "national", "http://127.0.0.1:9")


def rotated(session, new_settings: NodeSettings):
    old, new = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    remember_node(session, check_descriptor(own_descriptor(POLITI, old)), vouched_by="test")
    statement = seal(rotation_payload(POLITI.id, public_key_text(old), public_key_text(new),
                                      "2026-12-01T12:00:00Z"), old)
    return apply_rotations(session, POLITI.id, [statement], own_descriptor(new_settings, new)), new


def test_a_signed_rotation_moves_the_known_key(sessions):
    with sessions.begin() as session:
        changed, new = rotated(session, POLITI)
        assert changed and session.get(KnownNode, POLITI.id).public_key == public_key_text(new)


def test_a_rotation_into_a_descriptor_claiming_another_kind_is_refused_and_changes_nothing(sessions):
    with sessions.begin() as session:
        with pytest.raises(TrustError, match="cannot change oestjyllands-politi's kind"):
            rotated(session, AS_NATIONAL)
        known = session.get(KnownNode, POLITI.id)
        assert (known.kind, known.rotations, known.previous_keys) == ("police", [], [])
        assert '"kind": "police"' in known.descriptor
