"""On PostgreSQL, feed writes are serialised so that seqs become visible in seq order (no cursor skips one)."""

from __future__ import annotations

import threading

from sqlalchemy import select

from federation.changes import store_envelope
from federation.models import Envelope, EnvelopeKind
from node.core.db import make_engine, make_sessionmaker, upgrade_database


def payload(item_id: str) -> dict:
    return {"id": item_id, "origin": "aarhus-kommune", "version": 1}


def store(session, item_id: str) -> None:
    store_envelope(session, payload(item_id), {"payload": payload(item_id), "signature": "x"}, EnvelopeKind.ITEM,
                   "public", None)


def test_a_second_feed_write_waits_for_the_first_to_commit_so_a_reader_never_skips_a_seq(postgresql_server):
    url = postgresql_server.new_database()
    upgrade_database(url)
    sessions = make_sessionmaker(make_engine(url))
    first = sessions()
    store(first, "aarhus-kommune:foerste")  # holds the feed lock until it commits

    second_done = threading.Event()

    def second_writer() -> None:
        with sessions.begin() as session:
            store(session, "aarhus-kommune:anden")
        second_done.set()

    thread = threading.Thread(target=second_writer)
    thread.start()
    # Without the lock the second transaction would commit now, with a higher seq than the first's
    # uncommitted one, and a peer reading in between would move its cursor past the first change.
    assert not second_done.wait(1.0)
    with sessions() as reader:
        assert reader.scalars(select(Envelope.item_id)).all() == []
    first.commit()
    first.close()
    thread.join(10)
    with sessions() as reader:
        rows = reader.execute(select(Envelope.item_id, Envelope.seq).order_by(Envelope.seq)).all()
    assert [r.item_id for r in rows] == ["aarhus-kommune:foerste", "aarhus-kommune:anden"]
