"""Draining the outbox into Meilisearch, and rebuilding the whole index behind a swap."""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session, raiseload, sessionmaker

from node.core.models import Item, utcnow
from node.items.visibility import live_items
from search.documents import to_document
from search.index import SearchIndex, SearchUnavailable
from search.models import IndexState, IndexTask
from search.outbox import enqueue_index_updates
from search.settings import reindex_uid

log = logging.getLogger(__name__)
BATCH = 500
# Batches sent to Meilisearch and not yet confirmed: enough to keep it busy while the next documents are built,
# few enough that an outage leaves little to send again.
IN_FLIGHT = 4
# A document is made of the item's own columns: loading its facet rows and author too cost two thirds of the
# loading time (measured), and raiseload makes a document that came to need them fail loudly instead.
COLUMNS_ONLY = (raiseload("*"),)
KEEP_DONE = timedelta(days=1)


def drain_outbox(sessions: sessionmaker[Session], index: SearchIndex, batch: int = BATCH,
                 in_flight: int = IN_FLIGHT) -> int:
    """Apply queued index tasks in batches until none are left; returns how many were applied.

    Every live item is indexed (what a logged-in user may read); searches by
    anonymous visitors filter on audience_kind inside Meilisearch.

    Up to `in_flight` batches are sent before the oldest is waited for, so the next
    documents are built while Meilisearch indexes. A task is marked done only after
    Meilisearch confirms its batch's write, so an outage, a failed batch or a crash
    leaves it queued and it is applied on a later run.
    """
    applied, after, sent = 0, 0, deque()
    try:
        while tasks := _queued_after(sessions, after, batch):
            after = tasks[-1].id
            sent.append(_send(sessions, index, tasks))
            if len(sent) >= in_flight:
                applied += _confirm(sessions, index, sent.popleft())
        while sent:
            applied += _confirm(sessions, index, sent.popleft())
    except SearchUnavailable:
        _settle(sessions, index, sent)
        raise
    return applied


@dataclass
class _SentBatch:
    """Outbox rows whose batch was sent, and Meilisearch's tasks for it (documents, deletions)."""

    task_ids: list[int]
    tasks: list[dict]


def _queued_after(sessions: sessionmaker[Session], after: int, batch: int) -> list:
    # By id, not by state: the batches in flight are still queued until Meilisearch confirms them.
    with sessions() as session:
        return session.execute(select(IndexTask.id, IndexTask.item_id)
                               .where(IndexTask.state == IndexState.QUEUED, IndexTask.id > after)
                               .order_by(IndexTask.id).limit(batch)).all()


def _send(sessions: sessionmaker[Session], index: SearchIndex, tasks: list) -> _SentBatch:
    task_ids, item_ids = [t.id for t in tasks], sorted({t.item_id for t in tasks})
    with sessions() as session:
        readable = session.scalars(select(Item).where(Item.id.in_(item_ids), live_items()).options(*COLUMNS_ONLY)).all()
        documents = [to_document(item) for item in readable]
    gone = sorted(set(item_ids) - {d["id"] for d in documents})
    try:
        # Meilisearch applies an index's tasks in the order they were sent, so a later batch's
        # version of an item always wins over an earlier batch's.
        return _SentBatch(task_ids, [t for t in (index.send(documents), index.send_deletion(gone)) if t])
    except SearchUnavailable as exc:
        _record_failure(sessions, task_ids, str(exc))
        raise


def _confirm(sessions: sessionmaker[Session], index: SearchIndex, sent: _SentBatch) -> int:
    """Wait for a sent batch; done when Meilisearch applied it, else its failure is recorded and raised."""
    try:
        for task in sent.tasks:
            index.wait(task)
    except SearchUnavailable as exc:
        _record_failure(sessions, sent.task_ids, str(exc))
        raise
    _mark_done(sessions, sent.task_ids)
    return len(sent.task_ids)


def _settle(sessions: sessionmaker[Session], index: SearchIndex, sent: deque) -> None:
    """After a failure, the batches still in flight: those Meilisearch applied are done, the rest stay queued."""
    while sent:
        try:
            _confirm(sessions, index, sent.popleft())
        except SearchUnavailable:
            pass


def _mark_done(sessions: sessionmaker[Session], task_ids: list[int]) -> None:
    now = utcnow()
    with sessions.begin() as session:
        # queued -> done (INDEX_TRANSITIONS), in one statement for the whole batch rather than row by row.
        session.execute(update(IndexTask).where(IndexTask.id.in_(task_ids), IndexTask.state == IndexState.QUEUED)
                        .values(state=IndexState.DONE, done_at=now))
        session.execute(
            delete(IndexTask).where(IndexTask.state == IndexState.DONE, IndexTask.done_at < now - KEEP_DONE))


def _record_failure(sessions: sessionmaker[Session], task_ids: list[int], error: str) -> None:
    with sessions.begin() as session:
        session.execute(update(IndexTask).where(IndexTask.id.in_(task_ids))
                        .values(attempts=IndexTask.attempts + 1, last_error=error[:500]))


def queue_every_item(sessions: sessionmaker[Session]) -> int:
    """Queue an index update for every live item not queued yet (documents of a new shape); returns how many."""
    with sessions.begin() as session:
        queued = select(IndexTask.item_id).where(IndexTask.state == IndexState.QUEUED)
        item_ids = list(session.scalars(select(Item.id).where(live_items(), Item.id.not_in(queued))))
        enqueue_index_updates(session, item_ids)
    return len(item_ids)


def queued_count(session: Session) -> int:
    """How many index tasks wait to be applied."""
    return session.scalar(select(func.count()).select_from(IndexTask).where(IndexTask.state == IndexState.QUEUED))


def outbox_status(session: Session) -> dict:
    """Index tasks per state and the latest error, for the admin page."""
    counts = dict(session.execute(select(IndexTask.state, func.count()).group_by(IndexTask.state)).all())
    error = session.scalar(select(IndexTask.last_error).where(IndexTask.state == IndexState.QUEUED,
                                                              IndexTask.last_error.is_not(None))
                           .order_by(IndexTask.id.desc()).limit(1))
    return {"queued": counts.get(IndexState.QUEUED, 0), "done": counts.get(IndexState.DONE, 0), "last_error": error}


def reindex(sessions: sessionmaker[Session], index: SearchIndex,
            progress: Callable[[Iterable[list[dict]], int], Iterable[list[dict]]] | None = None) -> int:
    """Build a fresh index from the database and swap it in; search keeps answering meanwhile."""
    fresh = reindex_uid(index.uid)  # the node's scoped key reaches this one name besides its index
    index.drop(fresh, missing_ok=True)  # from a rebuild that was interrupted: it would otherwise stay on disk
    index.ensure()  # the live index must exist to be swapped
    index.ensure(fresh)
    with sessions() as session:
        total = session.scalar(select(func.count()).select_from(Item).where(live_items()))
        batches = _document_batches(session)
        count, sent = 0, deque()
        for documents in (progress(batches, total) if progress else batches):
            sent.append(index.send(documents, uid=fresh))  # the next batch is built while this one is indexed
            if len(sent) >= IN_FLIGHT:
                index.wait(sent.popleft())
            count += len(documents)
        for task in sent:
            index.wait(task)
    index.swap_in(fresh)
    return count


def _document_batches(session: Session):
    last_id = ""
    while True:
        items = session.scalars(select(Item).where(live_items(), Item.id > last_id).options(*COLUMNS_ONLY)
                                .order_by(Item.id).limit(BATCH)).all()
        if not items:
            return
        last_id = items[-1].id
        yield [to_document(item) for item in items]
