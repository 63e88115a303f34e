"""What the fault run published, what each node should therefore hold, and what it does hold.

The ledger is the run's own record of every version and retraction it made through the CLI. From it,
the audience rule (federation.audience.may_hold, the function every node applies) and the peerings,
each node's expected holding follows: the latest version of every item that is not retracted, if the
node is inside the item's audience *and* connected to the origin through nodes that are inside it too
(an item travels only through nodes of its audience, docs/federation-protocol.md §13).
"""

from __future__ import annotations

import json
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from federation.audience import NodeView, may_hold


@dataclass
class LedgerItem:
    """One item as its origin last published it."""

    id: str
    origin: str
    type: str
    version: int
    audience: Any
    summary: str
    retracted: bool = False


@dataclass
class Ledger:
    """Every item the run published, and a log of the operations in order (printed on a failure)."""

    items: dict[str, LedgerItem] = field(default_factory=dict)
    log: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    def published(self, origin: str, content: dict, operation: str) -> None:
        """Record a version the origin has just published (a new item: version 1)."""
        item_id = f"{origin}:{content['id']}"
        held = self.items.get(item_id)
        version = held.version + 1 if held else 1
        self.items[item_id] = LedgerItem(item_id, origin, content["type"], version, content["audience"],
                                         content["summary"])
        self._note(operation, f"{operation} {item_id} v{version} audience={content['audience']}")

    def retracted(self, item_id: str) -> None:
        """Record that the origin has retracted the item."""
        self.items[item_id].retracted = True
        self._note("retract", f"retract {item_id}")

    def note(self, kind: str, text: str) -> None:
        """Log a fault (proxy mode, kill, restart) next to the operations."""
        self._note(kind, text)

    def live(self, origin: str | None = None) -> list[LedgerItem]:
        """Items not retracted, of one origin or of all."""
        return [i for i in self.items.values() if not i.retracted and origin in (None, i.origin)]

    def _note(self, kind: str, text: str) -> None:
        self.counts[kind] = self.counts.get(kind, 0) + 1
        self.log.append(text)


def reachable(origin: str, audience: Any, views: dict[str, NodeView], graph: dict[str, set[str]]) -> set[str]:
    """The nodes an item can reach: inside its audience and connected to the origin through such nodes."""
    inside = {node_id for node_id, view in views.items() if may_hold(audience, view, origin)}
    seen, todo = {origin}, deque([origin])
    while todo:
        for neighbour in graph[todo.popleft()] & inside - seen:
            seen.add(neighbour)
            todo.append(neighbour)
    return seen


@dataclass(frozen=True)
class Holding:
    """An item as a node holds it: its version, summary and status (the origin keeps retracted ones)."""

    version: int
    summary: str
    status: str


def expected_holdings(ledger: Ledger, node_id: str, views: dict[str, NodeView],
                      graph: dict[str, set[str]]) -> dict[str, Holding]:
    """What the node must hold once the network has settled."""
    expected = {}
    for item in ledger.items.values():
        if item.origin == node_id:
            expected[item.id] = Holding(item.version, item.summary, "retracted" if item.retracted else "published")
        elif not item.retracted and node_id in reachable(item.origin, item.audience, views, graph):
            expected[item.id] = Holding(item.version, item.summary, "published")
    return expected


def held_items(node) -> dict[str, Holding]:
    """The items in the node's database."""
    return {i: Holding(v, s, st) for i, v, s, st in node.rows("SELECT id, version, summary, status FROM items")}


def held_item_envelopes(node) -> dict[str, int]:
    """The item envelopes in the node's feed (what it would serve to its peers), by item id."""
    return dict(node.rows("SELECT item_id, version FROM envelopes WHERE kind = 'item'"))


def node_problems(node, expected: dict[str, Holding], bulletins: set[str]) -> list[str]:
    """How a node's holding differs from what it should hold; empty when it is right."""
    held = held_items(node)
    problems = [f"missing {i} v{h.version}" for i, h in sorted(expected.items()) if i not in held]
    problems += [f"unexpected {i} v{h.version} ({h.status})" for i, h in sorted(held.items()) if i not in expected]
    problems += [f"{i}: holds v{held[i].version} {held[i].status} {held[i].summary!r}, "
                 f"expected v{h.version} {h.status} {h.summary!r}"
                 for i, h in sorted(expected.items()) if i in held and held[i] != h]
    envelopes = held_item_envelopes(node)
    wanted_envelopes = {i: h.version for i, h in expected.items() if h.status == "published"}
    if envelopes != wanted_envelopes:
        extra = {i: v for i, v in envelopes.items() if wanted_envelopes.get(i) != v}
        problems.append(f"feed item envelopes differ from the holding: {extra}")
    if node.spec.kind == "national":
        leaked = [i for (i,) in node.rows("SELECT item_id FROM envelopes UNION SELECT item_id FROM waiting_envelopes")
                  if i in bulletins]
        problems += [f"a national node holds the district bulletin {i}" for i in leaked]
    return problems


def network_problems(network, ledger: Ledger) -> dict[str, list[str]]:
    """Every node's problems (nodes without any are left out)."""
    views, graph = network.views, network.neighbours()
    bulletins = {i.id for i in ledger.items.values() if i.type == "bulletin"}
    problems = {}
    for node_id, node in network.nodes.items():
        found = node_problems(node, expected_holdings(ledger, node_id, views, graph), bulletins)
        if found:
            problems[node_id] = found
    return problems


def duplicates_in_export(node) -> list[str]:
    """Item ids that `vidensnet export` lists more than once (the user-facing view of the holding)."""
    ids = [json.loads(line)["id"] for line in node.cli("export").stdout.splitlines()]
    return sorted({i for i in ids if ids.count(i) > 1})
