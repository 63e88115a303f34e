"""The federation's periodic work inside `vidensnet run`: wake peers after changes, pull due peers."""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from federation.client import PeerClient, PeerUnavailable
from federation.local import LocalNode
from federation.models import Envelope, Peer, PullOutcome
from federation.peering import approved_peers, pull_failed, pull_succeeded
from federation.pull_history import PullEnd, record_pull
from federation.replication import PullStopped, pull_from_peer
from node.core.models import utcnow

log = logging.getLogger(__name__)
# Peers pulled side by side: a slow or dead peer holds one worker (at most its deadline per call), not the others.
PULL_WORKERS = 4


@dataclass
class FederationCycle:
    """What one node's scheduler remembers between ticks."""

    sessions: sessionmaker[Session]
    local: LocalNode
    pull_interval_seconds: int = 30
    notified_seq: int = field(default=-1)
    workers: ThreadPoolExecutor = field(default_factory=lambda: ThreadPoolExecutor(PULL_WORKERS, "pull"))
    pulling: set[str] = field(default_factory=set)  # peers whose pull is under way
    # Whether this process may still do the node's background work (node/worker/lease.py): asked before
    # each tick and before each page a pull stores, so a worker that lost its lease stops mid-pull.
    holds_lease: Callable[[], bool] = field(default=lambda: True)
    lock: threading.Lock = field(default_factory=threading.Lock)


def run_cycle(cycle: FederationCycle) -> None:
    """One tick: notify peers if our feed moved, then start a pull of every due peer not already being pulled."""
    if not cycle.holds_lease():
        return
    notify_peers_if_changed(cycle)
    for peer_id in due_peers(cycle.sessions):
        with cycle.lock:
            if peer_id in cycle.pulling:
                continue
            cycle.pulling.add(peer_id)
        cycle.workers.submit(_pull_in_worker, cycle, peer_id)


def _pull_in_worker(cycle: FederationCycle, peer_id: str) -> None:
    try:
        pull_and_record(cycle, peer_id)
    finally:
        with cycle.lock:
            cycle.pulling.discard(peer_id)


def due_peers(sessions: sessionmaker[Session]) -> list[str]:
    """Approved peers whose next pull time has come."""
    with sessions() as session:
        now = utcnow()
        return [p.id for p in approved_peers(session) if p.next_pull_at is None or p.next_pull_at <= now]


def pull_and_record(cycle: FederationCycle, peer_id: str, progress: Callable[[Counter], None] | None = None) -> str:
    """Pull one peer now and record the result in its state and history; returns a one-line summary with the time."""
    started, started_at, reached = time.monotonic(), utcnow(), Counter()

    def note(report: Counter) -> None:  # the counts so far, so a pull that breaks off records what it stored
        reached.clear()
        reached.update(report)
        if progress:
            progress(report)

    try:
        report = pull_from_peer(cycle.sessions, cycle.local, peer_id, progress=note, may_store=cycle.holds_lease)
    except PullStopped as exc:  # the worker that took the lease over pulls this peer; its state is not ours
        log.warning("%s", exc)
        _record(cycle, peer_id, started_at, PullEnd(PullOutcome.STOPPED, reached, exc))
        return f"{peer_id}: stoppet"
    except Exception as exc:  # noqa: BLE001 - one broken peer must not stop the others; it backs off
        if not isinstance(exc, PeerUnavailable):
            log.exception("pull from %s failed unexpectedly", peer_id)
        error = str(exc)
        _record(cycle, peer_id, started_at, PullEnd(PullOutcome.FAILED, reached, exc),
                lambda peer, now: pull_failed(peer, now, error))
        log.warning("pull from %s failed: %s", peer_id, exc)
        return f"{peer_id}: fejl: {exc}"
    _record(cycle, peer_id, started_at, PullEnd(PullOutcome.OK, report),
            lambda peer, now: pull_succeeded(peer, now, cycle.pull_interval_seconds))
    summary = ", ".join(f"{n} {outcome}" for outcome, n in sorted(report.items()) if n > 0) or "intet nyt"
    if report:
        log.info("pulled %s: %s", peer_id, summary)
    return f"{peer_id}: {summary} ({time.monotonic() - started:.2f} s)"


def _record(cycle: FederationCycle, peer_id: str, started_at: datetime, end: PullEnd,
            update_peer: Callable[[Peer | None, datetime], None] | None = None) -> None:
    # The peer's last-pull fields and its history row in one transaction, after the pull's network calls.
    with cycle.sessions.begin() as session:
        now = utcnow()
        if update_peer is not None:
            update_peer(session.get(Peer, peer_id), now)
        record_pull(session, peer_id, started_at, now, end)


def notify_peers_if_changed(cycle: FederationCycle) -> None:
    """Ask approved peers to pull now when our changes feed has grown since the last tick."""
    with cycle.sessions() as session:
        head = session.scalar(select(func.coalesce(func.max(Envelope.seq), 0)))
        peers = [(p.id, p.url) for p in approved_peers(session)]
    if cycle.notified_seq < 0:
        cycle.notified_seq = head  # first tick after start: peers poll anyway
        return
    if head == cycle.notified_seq:
        return
    cycle.notified_seq = head
    for peer_id, url in peers:
        # In the workers too: a peer that is slow to answer must not hold up the tick (and the pulls it starts).
        cycle.workers.submit(_notify, cycle.local, peer_id, url)


def _notify(local: LocalNode, peer_id: str, url: str) -> None:
    try:
        PeerClient(url, peer_id, local.id, local.key, local.limits).notify()
    except PeerUnavailable:
        pass  # a wake-up only; polling remains the safety net
