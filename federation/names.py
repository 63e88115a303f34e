"""Other nodes by their name: the names in the signed descriptors of this node's peers and known nodes."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select, union_all
from sqlalchemy.orm import Session

from federation.models import KnownNode, Peer


def node_names(session: Session, node_ids: Iterable[str] | None = None) -> dict[str, str]:
    """Node id -> name for the given nodes (all described ones when None), in one query; unknown ids are left out.

    A known node's name wins over a peer's: it is the one whose key this node accepted last.
    """
    peers, known = select(Peer.id, Peer.name, 0), select(KnownNode.id, KnownNode.name, 1)
    if node_ids is not None:
        wanted = set(node_ids)
        if not wanted:
            return {}
        peers, known = peers.where(Peer.id.in_(wanted)), known.where(KnownNode.id.in_(wanted))
    rows = session.execute(union_all(peers, known)).all()
    return {node_id: name for node_id, name, _ in sorted(rows, key=lambda row: row[2]) if name}


def node_name(names: dict[str, str], node_id: str) -> str:
    """A node's name where it is known, else its id."""
    return names.get(node_id) or node_id
