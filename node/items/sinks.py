"""Item sinks: how the write path tells the other packages about a change, inside the same transaction.

The node's write path (publish, revise, retract, expire, store replicas) lives in
`node.items` and knows nothing of federation or search. Whoever sets up the
process passes in the sinks: federation's records signed versions and tombstones
in the changes feed, search's queues index updates in the outbox. Each sink is
called inside the transaction that makes the change, so a change and what it
implies are committed (or rolled back) together and nothing is lost.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.orm import Session

from node.core.models import Item


class ItemSink(Protocol):
    """One package's interest in item changes; every method runs inside the changing transaction."""

    def version_published(self, session: Session, item: Item) -> None:
        """A new version of one of this node's own items was published."""

    def item_withdrawn(self, session: Session, item: Item, reason: str) -> None:
        """One of this node's own items was retracted or expired (`reason` is "retracted" or "expired")."""

    def items_changed(self, session: Session, item_ids: Sequence[str]) -> None:
        """Held items changed without a statement of this node: replicas stored, replaced or removed."""

    def first_versions_prepared(self, items: Sequence[Item]) -> Callable[[Session], None]:
        """Do the work for the first versions of new own items that needs no database (signing) now, before the
        transaction; the returned write records them in it, as `version_published` would have.

        The items are read only: an import passes plain namespaces with the columns of their rows."""


# A bulk import signs its items before its one short write transaction (node.items.files).
PreparedWrite = Callable[[Session], None]


@dataclass(frozen=True)
class ItemSinks:
    """The sinks of one node process, called in order."""

    sinks: tuple[ItemSink, ...]

    def version_published(self, session: Session, item: Item) -> None:
        """Tell every sink about a new own version."""
        for sink in self.sinks:
            sink.version_published(session, item)

    def item_withdrawn(self, session: Session, item: Item, reason: str) -> None:
        """Tell every sink that an own item was retracted or expired."""
        for sink in self.sinks:
            sink.item_withdrawn(session, item, reason)

    def items_changed(self, session: Session, item_ids: Iterable[str]) -> None:
        """Tell every sink that held items changed."""
        ids = list(item_ids)
        for sink in self.sinks:
            sink.items_changed(session, ids)

    def first_versions_prepared(self, items: Sequence[Item]) -> PreparedWrite:
        """Let every sink prepare new own items' first versions outside a transaction; one write for them all."""
        writes = [sink.first_versions_prepared(items) for sink in self.sinks]

        def write(session: Session) -> None:
            for each in writes:
                each(session)

        return write
