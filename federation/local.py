"""This node as the federation sees it: its settings, key, audience view, trust anchors and item sinks."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from flask import current_app

from federation.audience import NodeView
from federation.identity import public_key_from_text
from federation.revocation import DEFAULT_KEY_GRACE
from node.core.config import NodeSettings, PeerLimits
from node.items.sinks import ItemSinks


@dataclass(frozen=True)
class LocalNode:
    """Who we are on the wire."""

    settings: NodeSettings
    key: Ed25519PrivateKey
    # Where the replicas this node stores are announced (the search index's outbox among them).
    sinks: ItemSinks
    # Node id -> public key of nodes trusted without peering (e.g. the national nodes).
    trust_anchors: dict[str, str] = field(default_factory=dict)
    # What one call to a peer, and one pull from it, may cost.
    limits: PeerLimits = PeerLimits()
    # How long a key another node rotated away from still verifies its envelopes (VIDENSNET_KEY_GRACE_DAYS).
    key_grace: timedelta = DEFAULT_KEY_GRACE

    @property
    def id(self) -> str:
        return self.settings.id

    @property
    def view(self) -> NodeView:
        s = self.settings
        return NodeView(s.id, s.kind, s.municipality, s.district)


def parse_trust_anchors(text: str) -> dict[str, str]:
    """`id=publickey,id=publickey` (VIDENSNET_TRUST_ANCHORS) as a dict; raises ValueError naming the bad entry."""
    anchors: dict[str, str] = {}
    for entry in filter(None, (e.strip() for e in text.split(","))):
        node_id, sep, key = entry.partition("=")
        if not sep:
            raise ValueError(f"VIDENSNET_TRUST_ANCHORS: '{entry}' is not id=publickey")
        public_key_from_text(key.strip())
        anchors[node_id.strip()] = key.strip()
    return anchors


def current_local_node() -> LocalNode:
    """This node's federation identity, in a request of the running app."""
    return current_app.extensions["vidensnet.local"]
