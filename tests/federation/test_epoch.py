"""The feed epoch: a puller notices a peer's feed that started again and reads it again from 0, idempotently.

The peer here is a HostileFeed called in-process (it answers like a node); the
server's side (the epoch row, the mark of the highest cursor issued, a restore
noticed at start) is tested against a real database, and the last test restores
a live node's database from an older copy while its peer keeps pulling.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select

from federation.changes import changes_since
from federation.client import PeerUnavailable
from federation.epoch import MARK_FILE, IssuedMark, check_restored, feed_epoch, read_mark, write_mark
from federation.ingest import Outcome
from federation.local import LocalNode
from federation.models import Envelope, Peer
from federation.peering import approve_peer, record_peer
from federation.replication import pull_from_peer
from federation.trust import check_descriptor
from node.core.config import NodeSettings
from tests.helpers.envelopes import ME
from tests.helpers.hostile_feed import HostileFeed
from tests.helpers.live_nodes import LiveNode, peer, query, stop_all, wait_for, write_items
from tests.helpers.nodes import SINKS, publish

PEER = NodeSettings("randers-kommune", "Randers Kommune", "municipality", "http://127.0.0.1:9", "0730")
AARHUS = NodeSettings("aarhus-kommune", "Aarhus Kommune", "municipality", "http://127.0.0.1:9", "0751")


class FeedClient:
    """A PeerClient answered by a feed in-process; a `since` past the feed's head gets the head as `next` (§9)."""

    clock_offset = None  # no Date header in-process

    def __init__(self, feed: HostileFeed):
        self.feed = feed

    def changes(self, cursor: int, limit: int) -> dict:
        page = self.feed.changes(cursor, limit)
        head = self.feed.entries[-1].seq if self.feed.entries else 0
        return {**page, "next": min(page["next"], head)}

    def envelopes(self, ids: list[str]) -> list[dict]:
        return self.feed.envelopes(ids)["envelopes"]

    def node(self, node_id: str) -> dict:
        return self.feed.node(node_id) or {}


@pytest.fixture
def feed(sessions) -> HostileFeed:
    feed = HostileFeed(PEER, epoch="epoke-1")
    with sessions.begin() as session:
        record_peer(session, check_descriptor(feed.descriptor))
        approve_peer(session, PEER.id)
    return feed


def pull(sessions, feed: HostileFeed):
    local = LocalNode(AARHUS, Ed25519PrivateKey.generate(), SINKS)
    return pull_from_peer(sessions, local, PEER.id, connect=lambda *_: FeedClient(feed))


def held(sessions) -> dict[str, int]:
    with sessions() as session:
        return {r.item_id: r.version for r in session.scalars(select(Envelope))}


def start_again(feed: HostileFeed, epoch: str | None, *envelopes) -> None:
    """The peer's feed as a new or restored database has it: seqs from 1 again."""
    feed.entries.clear()
    feed.epoch = epoch or feed.epoch
    for envelope in envelopes:
        feed.append(envelope)


def test_a_new_epoch_is_read_again_from_the_start_and_nothing_is_lost_or_stored_twice(sessions, feed):
    x, y = feed.item("x", 1), feed.item("y", 1)
    start_again(feed, None, x, y)
    assert pull(sessions, feed)[Outcome.STORED] == 2
    # Recreated and republished: the new item gets seq 1, which the cursor (2) is already past.
    start_again(feed, "epoke-2", feed.item("w", 1), x, feed.item("z", 1))
    report = pull(sessions, feed)
    assert report[Outcome.STORED] == 2 and report[Outcome.CONFLICT] == 0
    assert held(sessions) == {f"{PEER.id}:{i}": 1 for i in "xyzw"}
    with sessions() as session:
        row = session.get(Peer, PEER.id)
        assert (row.cursor, row.epoch) == (3, "epoke-2")


def test_a_feed_whose_head_fell_below_the_cursor_is_read_again_even_in_the_same_epoch(sessions, feed):
    start_again(feed, None, feed.item("x", 1), feed.item("y", 1), feed.item("z", 1))
    pull(sessions, feed)
    start_again(feed, None, feed.item("x", 1), feed.item("w", 1))  # an older copy, seqs 1-2, then a new item
    assert pull(sessions, feed)[Outcome.STORED] == 1
    assert f"{PEER.id}:w" in held(sessions)


def test_a_feed_that_starts_again_on_every_read_ends_the_pull(sessions, feed):
    start_again(feed, None, feed.item("x", 1))
    pull(sessions, feed)
    feed.on_read = lambda f: setattr(f, "epoch", f"epoke-{f.reads}")
    with pytest.raises(PeerUnavailable, match="started again twice"):
        pull(sessions, feed)


def test_the_epoch_of_a_peer_read_for_the_first_time_is_taken_at_its_word(sessions, feed):
    start_again(feed, None, feed.item("x", 1))
    pull(sessions, feed)
    with sessions() as session:
        assert session.get(Peer, PEER.id).epoch == "epoke-1"


def test_a_cursor_past_the_feed_head_is_answered_with_the_head(sessions):
    publish(sessions, "a", "b")
    with sessions() as session:
        changes, next_cursor, more = changes_since(session, 1000, 100, ME)
    assert (changes, next_cursor, more) == ([], 2, False)


def test_a_restored_database_starts_a_new_epoch_at_start(sessions, tmp_path):
    publish(sessions, "a")
    with sessions.begin() as session:
        epoch = feed_epoch(session)
    write_mark(tmp_path / MARK_FILE, epoch, 5)  # seq 5 was issued; the database now ends at 1
    with sessions.begin() as session:
        assert check_restored(session, tmp_path)
        assert feed_epoch(session) != epoch
        assert read_mark(tmp_path / MARK_FILE) == (feed_epoch(session), 0)


def test_a_database_at_or_past_the_mark_or_of_another_epoch_keeps_its_epoch(sessions, tmp_path):
    publish(sessions, "a")
    with sessions.begin() as session:
        epoch = feed_epoch(session)
    for mark in ((epoch, 1), ("ein-anderer", 5)):
        write_mark(tmp_path / MARK_FILE, *mark)
        with sessions.begin() as session:
            assert not check_restored(session, tmp_path) and feed_epoch(session) == epoch


def test_the_issued_mark_only_grows_and_survives_a_new_process(tmp_path):
    mark = IssuedMark(tmp_path, "epoke")
    for cursor in (3, 9, 4):
        mark.note(cursor)
    assert read_mark(tmp_path / MARK_FILE) == ("epoke", 9)
    assert IssuedMark(tmp_path, "epoke").issued == 9 and IssuedMark(tmp_path, "ny").issued == 0


def test_a_live_node_restored_from_an_older_copy_is_read_again_by_its_peer_with_nothing_lost(tmp_path):
    aarhus = LiveNode(tmp_path / "aarhus", "Aarhus Kommune", "municipality", municipality="0751")
    randers = LiveNode(tmp_path / "randers", "Randers Kommune", "municipality", municipality="0730")
    ids = {name: f"aarhus-kommune:{name}" for name in ("x", "y", "z", "w")}
    try:
        for node in (aarhus, randers):
            node.start()
        peer(aarhus, randers)
        aarhus.publish(write_items(tmp_path / "x.jsonl", method("x")))
        wait_for(lambda: randers.item(ids["x"]), message="x at randers")
        aarhus.stop()
        backup = copy_database(aarhus.home / "vidensnet.db", tmp_path / "backup.db")
        aarhus.start()
        aarhus.publish(write_items(tmp_path / "yz.jsonl", method("y"), method("z")))
        wait_for(lambda: randers.item(ids["z"]) and cursor_at(randers, "aarhus-kommune") >= 3,
                 message="y and z at randers, its cursor past them")
        aarhus.stop()
        copy_database(backup, aarhus.home / "vidensnet.db")  # the older copy: its feed ends at seq 1
        aarhus.start()
        # Gets seq 2 again, which randers' cursor is past: only the new epoch makes randers read it.
        aarhus.publish(write_items(tmp_path / "w.jsonl", method("w")))
        wait_for(lambda: randers.item(ids["w"]), message="w at randers")
        for item_id in ids.values():  # y and z, which aarhus lost, stay at randers; nothing is held twice
            assert query(randers, "SELECT count(*), max(version) FROM envelopes WHERE item_id = ?", item_id) == [(1, 1)]
            assert query(randers, "SELECT count(*) FROM items WHERE id = ?", item_id) == [(1,)]
        assert query(randers, "SELECT count(*) FROM equivocations") == [(0,)]
        [(epoch,)] = query(aarhus, "SELECT epoch FROM feed_epoch")
        assert query(randers, "SELECT epoch FROM peers WHERE id = 'aarhus-kommune'") == [(epoch,)]
        assert "restored from an older copy" in aarhus.log(200)
    finally:
        stop_all([aarhus, randers])


def method(local_id: str) -> dict:
    return {"id": local_id, "type": "method", "title": f"Metode {local_id}", "summary": "Før og efter en gendannelse.",
            "audience": "public"}


def copy_database(source: Path, target: Path) -> Path:
    """A consistent copy of a stopped node's SQLite database (as a backup or a restore would make it)."""
    for suffix in ("", "-wal", "-shm"):  # the copy replaces the database whole
        Path(str(target) + suffix).unlink(missing_ok=True)
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    return target


def cursor_at(node: LiveNode, peer_id: str) -> int:
    return query(node, "SELECT cursor FROM peers WHERE id = ?", peer_id)[0][0]
