"""The names of the nodes items come from, as their signed descriptors give them.

The federation package stores the descriptors of peers and known nodes; the features beside it (search)
must not import it, so the names are read here from the tables it keeps, by table and column name only.
"""

from __future__ import annotations

from sqlalchemy import column, select, table
from sqlalchemy.orm import Session

# Known nodes first, so that a peer's own, newer descriptor wins when a node is both.
_DESCRIPTOR_TABLES = ("known_nodes", "peers")


def origin_names(session: Session) -> dict[str, str]:
    """Every node's name this node holds a descriptor for, by node id."""
    names: dict[str, str] = {}
    for name in _DESCRIPTOR_TABLES:
        descriptors = table(name, column("id"), column("name"))
        names.update((row.id, row.name) for row in session.execute(select(descriptors.c.id, descriptors.c.name)))
    return names
