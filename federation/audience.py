"""Which nodes may hold an item: the audience rule applied at every exit of a node."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from node.core.geography import municipalities


@dataclass(frozen=True)
class NodeView:
    """What the audience rule needs to know about a node."""

    id: str
    kind: str
    municipality: str | None = None
    district: str | None = None

    @property
    def police_district(self) -> str | None:
        """The node's police district: its own, or its municipality's."""
        if self.district:
            return self.district
        m = municipalities().get(self.municipality or "")
        return m.police_district if m else None


def may_hold(audience: Any, node: NodeView, origin: str | None = None) -> bool:
    """True when `node` is inside the audience (the origin always is)."""
    if node.id == origin or audience in ("public", "network"):
        return True
    if not isinstance(audience, dict):
        return False
    if node.id in audience.get("nodes", []):
        return True
    # District items stay in the district: national nodes receive them only when named.
    return node.kind != "national" and node.police_district in audience.get("districts", [])
