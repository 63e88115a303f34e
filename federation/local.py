"""This node as the federation sees it: its settings, key, audience view and trust anchors."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from federation.audience import NodeView
from federation.identity import load_node_key, public_key_from_text
from node.core.config import NodeConfig, NodeSettings


@dataclass(frozen=True)
class LocalNode:
    """Who we are on the wire."""

    settings: NodeSettings
    key: Ed25519PrivateKey
    # Node id -> public key of nodes trusted without peering (e.g. the national nodes).
    trust_anchors: dict[str, str] = field(default_factory=dict)

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


def load_local_node(config: NodeConfig) -> LocalNode:
    """This node's identity from its data directory and environment."""
    anchors = parse_trust_anchors(os.environ.get("VIDENSNET_TRUST_ANCHORS", ""))
    return LocalNode(config.node, load_node_key(config.keys_dir), anchors)
