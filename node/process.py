"""One node process's set-up, built once: configuration, database, identity, search and the acting node.

Every entry point (the app factory, `vidensnet run`, the CLI and the federation
commands) builds a NodeProcess and takes what it needs from it, so the node key
is loaded once, one engine serves the process and every acting node applies the
node's rules and tells the same item sinks about its changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker

from federation.changes import ChangesFeedSink
from federation.identity import load_node_key
from federation.local import LocalNode, parse_trust_anchors
from node.core.config import NodeConfig
from node.core.db import make_engine, make_sessionmaker
from node.core.models import User
from node.items.publishing import ActingNode
from node.items.sinks import ItemSinks
from search.index import SearchIndex
from search.outbox import OutboxSink


@dataclass(frozen=True)
class NodeProcess:
    """What one process of a node shares between its requests, jobs and commands."""

    config: NodeConfig
    sessions: sessionmaker[Session]
    local: LocalNode
    search_index: SearchIndex | None = None  # None: search runs degraded (database only)

    def acting(self, user: User | None = None) -> ActingNode:
        """This node acting with its own rules, for `user` (None: the node itself, e.g. its administrator's CLI)."""
        return ActingNode(self.local.id, self.local.sinks, user, self.config.local_rules())


def item_sinks(local_key) -> ItemSinks:
    """Where this node's item changes go: the changes feed (signed with the node key), then the search outbox."""
    return ItemSinks((ChangesFeedSink(local_key), OutboxSink()))


def open_process(config: NodeConfig, search_index: SearchIndex | None = None) -> NodeProcess:
    """Build the process's set-up from its configuration: one engine, the node key loaded once."""
    key = load_node_key(config.keys_dir)
    anchors = parse_trust_anchors(config.trust_anchors)
    local = LocalNode(config.node, key, item_sinks(key), anchors, config.peer_limits,
                      timedelta(days=config.key_grace_days))
    return NodeProcess(config, make_sessionmaker(make_engine(config.database_url)), local, search_index)
