"""The node under test in-process: its id, its signing key and sinks, acting as itself, and its test users."""

from __future__ import annotations

import json

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from node.items.files import import_items
from node.items.publishing import ActingNode
from node.items.sinks import ItemSinks
from node.process import item_sinks

NODE_ID = "aarhus-kommune"
PASSWORD = "korrekt-hest-batteri-clip"
ROLES = ("reader", "editor", "publisher", "admin")
# Service-level tests sign with this key; the app itself signs with the node's key file.
TEST_KEY = Ed25519PrivateKey.generate()

# The sinks a node process passes to the write path, signing with the test key.
SINKS: ItemSinks = item_sinks(TEST_KEY)


def acting_node(node_id: str = NODE_ID) -> ActingNode:
    """This node (`node_id`) acting on its own, for calling the publishing services directly."""
    return ActingNode(node_id, SINKS)


def publish(sessions, *local_ids: str, **fields) -> None:
    """Publish public methods with these local ids as this node (signed into its changes feed)."""
    lines = [json.dumps({"id": i, "type": "method", "title": f"Metode {i}", "summary": "x", "audience": "public",
                         **fields}) for i in local_ids]
    with sessions.begin() as session:
        import_items(session, acting_node(), lines)
