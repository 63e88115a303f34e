"""Draining the outbox into Meilisearch, and rebuilding the whole index behind a swap."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from node.core.models import Item, utcnow
from node.items.visibility import live_items
from search.documents import to_document
from search.index import SearchIndex, SearchUnavailable
from search.models import IndexState, IndexTask
from search.outbox import enqueue_index_updates
from search.settings import reindex_uid

log = logging.getLogger(__name__)
BATCH = 500
KEEP_DONE = timedelta(days=1)


def drain_outbox(sessions: sessionmaker[Session], index: SearchIndex, batch: int = BATCH) -> int:
    """Apply queued index tasks in batches until none are left; returns how many were applied.

    Every live item is indexed (what a logged-in user may read); searches by
    anonymous visitors filter on audience_kind inside Meilisearch.

    A task is marked done only after Meilisearch confirms the write, so an outage
    or a crash leaves it queued and it is applied on a later run.
    """
    applied = 0
    while True:
        with sessions() as session:
            tasks = session.execute(
                select(IndexTask.id, IndexTask.item_id).where(IndexTask.state == IndexState.QUEUED)
                .order_by(IndexTask.id).limit(batch)
            ).all()
            if not tasks:
                return applied
            item_ids = sorted({t.item_id for t in tasks})
            readable = session.scalars(select(Item).where(Item.id.in_(item_ids), live_items())).all()
            documents = [to_document(item) for item in readable]
        gone = sorted(set(item_ids) - {d["id"] for d in documents})
        try:
            index.put(documents)
            index.delete(gone)
        except SearchUnavailable as exc:
            _record_failure(sessions, [t.id for t in tasks], str(exc))
            raise
        _mark_done(sessions, [t.id for t in tasks])
        applied += len(tasks)


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
        count = 0
        for documents in (progress(batches, total) if progress else batches):
            index.put(documents, uid=fresh)
            count += len(documents)
    index.swap_in(fresh)
    return count


def _document_batches(session: Session):
    last_id = ""
    while True:
        items = session.scalars(select(Item).where(live_items(), Item.id > last_id)
                                .order_by(Item.id).limit(BATCH)).all()
        if not items:
            return
        last_id = items[-1].id
        yield [to_document(item) for item in items]
