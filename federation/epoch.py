"""The changes feed's epoch: which feed a peer's cursor belongs to, so that a new or restored database is noticed.

A cursor is only meaningful in the feed that issued it. The epoch is a random id
written with the database (migration 0012), so a recreated database is a new
feed. A database restored from an older copy carries its old epoch, so this
node also keeps, outside the database (`feed-mark.json` in its home), the
highest cursor it ever issued in its epoch: a feed whose head is below that
mark at start has lost seqs that peers have read past, and starts a new epoch.
Peers that see another epoch read the feed again from 0 (docs/federation-protocol.md §9).
"""

from __future__ import annotations

import json
import logging
import os
import threading
import uuid
from pathlib import Path

from sqlalchemy.orm import Session

from federation.changes import feed_head
from federation.models import FeedEpoch
from node.core.models import utcnow
from node.core.private_files import write_private_text

MARK_FILE = "feed-mark.json"
log = logging.getLogger(__name__)


def feed_epoch(session: Session) -> str:
    """This database's feed epoch; made (in the caller's transaction) if the database has none yet."""
    row = session.get(FeedEpoch, 1)
    if row is None:
        row = FeedEpoch(id=1, epoch=uuid.uuid4().hex, started_at=utcnow())
        session.add(row)
        session.flush()
    return row.epoch


def start_new_epoch(session: Session) -> str:
    """Give the feed a new epoch: every peer will read it again from the start."""
    row = session.get(FeedEpoch, 1) or FeedEpoch(id=1)
    row.epoch, row.started_at = uuid.uuid4().hex, utcnow()
    session.add(row)
    session.flush()
    return row.epoch


class IssuedMark:
    """The highest `next` this node has answered in its current epoch, kept in a file beside the database."""

    def __init__(self, home: Path, epoch: str):
        self.path, self.epoch, self._lock = home / MARK_FILE, epoch, threading.Lock()
        stored = read_mark(self.path)
        self.issued = stored[1] if stored and stored[0] == epoch else 0

    def note(self, next_cursor: int) -> None:
        """Remember `next_cursor` if it is the highest issued yet; written before the answer leaves."""
        if next_cursor <= self.issued:
            return
        with self._lock:
            if next_cursor > self.issued:
                write_mark(self.path, self.epoch, next_cursor)
                self.issued = next_cursor


def read_mark(path: Path) -> tuple[str, int] | None:
    """The (epoch, issued) a mark file holds, or None if there is none or it cannot be read."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return str(data["epoch"]), int(data["issued"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def write_mark(path: Path, epoch: str, issued: int) -> None:
    """Replace the mark file atomically, so a crash leaves the old mark or the new one, never half of one."""
    partial = path.with_suffix(".tmp")
    write_private_text(partial, json.dumps({"epoch": epoch, "issued": issued}))
    os.replace(partial, path)


def check_restored(session: Session, home: Path) -> bool:
    """At start: a new epoch if the feed's head is below a cursor issued in its epoch (a restored copy); True if so."""
    epoch, mark = feed_epoch(session), read_mark(home / MARK_FILE)
    if mark is None or mark[0] != epoch or feed_head(session) >= mark[1]:
        return False
    new = start_new_epoch(session)
    write_mark(home / MARK_FILE, new, 0)
    log.warning("the changes feed ends at seq %d but seq %d was issued to peers: the database was restored "
                "from an older copy; new feed epoch %s, peers will read the feed again", feed_head(session),
                mark[1], new)
    return True
