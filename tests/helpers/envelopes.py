"""Federation envelopes for the tests: ones signed by a made-up origin (Randers), and the saved ones in
tests/federation/data/ (also the examples in docs/federation-protocol.md)."""

from __future__ import annotations

import json
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from federation.audience import NodeView
from federation.trust import check_descriptor, own_descriptor, remember_node
from federation.wire import item_payload, seal
from node.core.config import NodeSettings

ORIGIN = NodeSettings("randers-kommune", "Randers Kommune", "municipality", "http://127.0.0.1:9", "0730")
ORIGIN_KEY = Ed25519PrivateKey.generate()
ME = NodeView("aarhus-kommune", "municipality", "0751")

SAVED = Path(__file__).resolve().parent.parent / "federation" / "data"


def envelope(version: int, key=ORIGIN_KEY, **content):
    """Version `version` of the method randers-kommune:plan, sealed by `key` (the origin's unless told)."""
    item = {"id": "randers-kommune:plan", "origin": "randers-kommune", "version": version,
            "published_at": "2026-11-01T09:00:00Z", "type": "method", "title": f"Metode v{version}",
            "summary": "x", "body": "", "audience": "public", "tags": [], "municipalities": ["0730"],
            "police_districts": [], "prevention_level": None, "target_groups": [], "cooperation": [],
            "expires_at": None, "details": {}, **content}
    return seal(item_payload(item), key)


def know_origin(session):
    """Make the origin (Randers) and its key known to the node in `session`."""
    remember_node(session, check_descriptor(own_descriptor(ORIGIN, ORIGIN_KEY)), vouched_by="test")


def saved(name: str):
    """A saved JSON document from tests/federation/data/, by name without .json."""
    return json.loads((SAVED / f"{name}.json").read_text(encoding="utf-8"))


# The public keys of the nodes that signed the saved envelopes, by node id.
KEYS = saved("public_keys")
