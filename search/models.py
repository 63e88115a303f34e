"""The search outbox: one row per item whose index entry must be brought in line with the database."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from node.core.models import Base, utcnow
from node.core.states import Transitions


class IndexState(StrEnum):
    QUEUED = "queued"
    DONE = "done"


# The one move search.indexer makes, in bulk SQL: a task is done once Meilisearch confirmed its write.
# A done task is never queued again; a later change of the item queues a new task.
INDEX_TRANSITIONS = Transitions(IndexState, "state", {
    IndexState.QUEUED: (IndexState.DONE,),
    IndexState.DONE: (),
})


class IndexTask(Base):
    """"Item X changed": written in the same transaction as the change, drained to Meilisearch later.

    The task does not say what to do: the worker reads the item's state when it
    drains, so tasks can be applied in any order and any number of times.
    """

    __tablename__ = "index_tasks"
    __table_args__ = (INDEX_TRANSITIONS.check_constraint(),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[str] = mapped_column(String(160), index=True)
    state: Mapped[str] = mapped_column(String(16), index=True, default=IndexState.QUEUED)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    done_at: Mapped[datetime | None]
