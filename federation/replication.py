"""Pull replication from one peer: read its feed from our checkpoint, fetch only missing bodies, ingest.

Each batch is one transaction that also advances the checkpoint, so a crash at
any moment loses nothing (the batch is fetched again) and duplicates nothing
(ingest skips versions already held).
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from typing import Any, NamedTuple

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session, sessionmaker

from federation.changes import Held, held_versions
from federation.client import PeerClient, PeerUnavailable
from federation.endorsements import KeyLearning, endorsers, note_known
from federation.identity import public_key_text
from federation.ingest import REJECTIONS_PER_HOUR, Outcome, check_and_scan, ingest_page, recent_rejections, signers
from federation.local import LocalNode
from federation.models import Envelope, EnvelopeKind, KnownNode, Peer, Rejection, WaitingEnvelope, WaitsFor
from federation.readahead import read_ahead
from federation.revocation import worth_refetching
from federation.rotation import apply_rotations
from federation.trust import TrustError, accepted_key, accepted_public_keys
from federation.verifier import get_ready
from federation.wire import Opened, WireError, claimed_signer
from node.core.models import utcnow
from node.privacy.guard import Scanned

BATCH = 500
# One page is stored at a time in this process, whichever peer it came from: pulls run side by side
# (federation/scheduling.py), and pages from two peers often carry the same relayed items.
_STORING = threading.Lock()


@dataclass
class FetchedPage:
    """One page of a peer's feed: the bodies this node lacked and, once checked, the envelopes that verified."""

    envelopes: list[Any]
    next_cursor: int
    more: bool
    epoch: str | None = None  # the epoch of the feed `next_cursor` belongs to, if the peer names one
    checked: list[Opened | None] | None = None
    checked_with: dict[str, str] | None = None  # origin -> the current key the signatures were checked with
    again: list[str] = field(default_factory=list)  # ids announced at the version held here, not fetched
    clean: frozenset[Scanned] = frozenset()  # texts the verify helper's guard scan found clean


class FeedAnswer(NamedTuple):
    """One `/changes` answer, its shape checked."""

    changes: list[dict[str, Any]]
    next_cursor: int
    more: bool
    epoch: str | None


class PullStopped(RuntimeError):
    """The pull was stopped before storing a page: this process may no longer do the node's background work."""


def pull_from_peer(sessions: sessionmaker[Session], local: LocalNode, peer_id: str, connect=None,
                   progress: Callable[[Counter], None] | None = None,
                   may_store: Callable[[], bool] | None = None) -> Counter:
    """Pull everything new from one approved peer; returns outcome counts. Raises PeerUnavailable.

    `connect(base_url, peer_id, my_id, key)` makes the client; the default speaks HTTP within `local.limits`.
    A pull reads at most `local.limits.max_pages_per_pull` pages: past that it keeps what it stored and
    raises PeerUnavailable, so the peer backs off instead of holding the node (an endless feed).
    `progress`, if given, is called with the counts so far after each stored page.
    `may_store`, if given, is asked before each page is stored; False stops the pull with PullStopped
    (a worker that lost its lease while the pull ran must not store beside the worker that took it over).
    Three stages overlap, each in its own thread: fetching pages, checking their
    signatures (large batches in a helper process, see federation/verifier.py) and storing them.
    """
    connect = connect or partial(PeerClient, limits=local.limits)
    _check_rejection_rate(sessions, peer_id)
    with sessions() as session:
        peer = session.get(Peer, peer_id)
        client, cursor, epoch = connect(peer.url, peer.id, local.id, local.key), peer.cursor, peer.epoch
    report: Counter = Counter()
    learn = KeyLearning(sessions, local, client, peer_id, connect)
    fetched = read_ahead(fetch_pages(sessions, client, cursor, learn, local.limits.max_pages_per_pull, peer_id,
                                     epoch))
    for page in read_ahead(check_pages(sessions, fetched)):
        if may_store is not None and not may_store():
            raise PullStopped(f"pull from {peer_id} stopped: this process no longer holds the worker lease")
        report.update(_store_page(sessions, page, client, peer_id, local))
        if progress:
            progress(report)
    return report


def fetch_pages(sessions: sessionmaker[Session], client: PeerClient, cursor: int,
                learn: Callable[[set[str]], None], max_pages: int, peer_id: str = "",
                epoch: str | None = None) -> Iterator[FetchedPage]:
    """The peer's feed from `cursor` to its end, a page at a time, with the bodies this node lacks.

    `learn(origins)` is given the signers of each page's envelopes, to learn the keys not accepted yet.
    A feed that started again (another epoch, or a `next` below the cursor: §9) is read again from
    the start, once per pull; ingest skips what is held already, so nothing is stored twice.
    """
    more, pages, restarted = True, 0, False
    while more:
        if pages == max_pages:
            raise PeerUnavailable(f"more than {max_pages} pages in one pull: the rest waits for the next pull")
        answer = _read_page(client, cursor)
        pages += 1
        if _started_again(answer, cursor, epoch):
            if restarted:
                raise PeerUnavailable("the changes feed started again twice in one pull")
            cursor, epoch, more, restarted = 0, answer.epoch, True, True
            continue
        cursor, more, epoch = answer.next_cursor, answer.more, answer.epoch or epoch
        with sessions() as session:
            wanted, again = _sort_changes(session, answer.changes, peer_id)
        get_ready(len(wanted))  # the verify helper starts while the bodies are fetched
        envelopes = client.envelopes(wanted) if wanted else []  # an item's withdrawal and endorsements come along
        learn(signers(envelopes))
        yield FetchedPage(envelopes, cursor, more, epoch, again=again)


def _started_again(answer: FeedAnswer, cursor: int, epoch: str | None) -> bool:
    """Whether the peer's feed is not the one `cursor` was read in: a new epoch, or a head below the cursor."""
    if answer.next_cursor < cursor:
        return True
    # A peer first read before epochs (or one that names none) is taken at its word from now on.
    return epoch is not None and answer.epoch is not None and answer.epoch != epoch


def check_pages(sessions: sessionmaker[Session], pages: Iterator[FetchedPage]) -> Iterator[FetchedPage]:
    """The same pages with each envelope's signature checked against the keys this node accepts (and items scanned)."""
    for page in pages:
        with sessions() as session:
            keys = accepted_public_keys(session, signers(page.envelopes))
        page.checked, page.clean = check_and_scan(page.envelopes, keys)
        page.checked_with = {origin: public_key_text(found[0]) for origin, found in keys.items()}
        yield page


def _store_page(sessions: sessionmaker[Session], page: FetchedPage, client: PeerClient, peer_id: str,
                local: LocalNode) -> Counter:
    """Ingest one page and advance the checkpoint in one transaction; then retry what a key rotation explains."""
    with _STORING, sessions.begin() as session:
        outcomes = ingest_page(session, page.envelopes, peer_id, local.view, local.sinks,
                               _still_current(session, page), local.key_grace, page.clean)
        report = Counter(outcomes) + take_waiting(session, local)
        row = session.get(Peer, peer_id)
        row.cursor, row.epoch = page.next_cursor, page.epoch or row.epoch
        row.clock_offset_seconds = client.clock_offset
        row.received_total += sum(report[o] for o in (Outcome.STORED, Outcome.TOMBSTONED, Outcome.WITHDRAWN,
                                                      Outcome.ENDORSED, Outcome.REVOKED))
    rejected = [e for e, outcome in zip(page.envelopes, outcomes) if outcome == Outcome.REJECTED]
    if rejected and _learn_rotations(sessions, client, rejected, peer_id, local):
        report.update(_retry(sessions, rejected, peer_id, local))
        report.update(_refetch_resigned(sessions, client, page.again, peer_id, local))
    if rejected:
        _check_rejection_rate(sessions, peer_id)
    return report


def _refetch_resigned(sessions: sessionmaker[Session], client: PeerClient, again: list[str], peer_id: str,
                      local: LocalNode) -> Counter:
    """Fetch once more what the page announced at a held version, now that a rotation shows it may be re-signed."""
    with sessions() as session:
        ids = sorted(worth_refetching(session, again, peer_id))
    if not ids:
        return Counter()
    envelopes = client.envelopes(ids)
    with _STORING, sessions.begin() as session:
        return Counter(ingest_page(session, envelopes, peer_id, local.view, local.sinks, grace=local.key_grace))


def _still_current(session: Session, page: FetchedPage) -> list[Opened | None] | None:
    """The signatures checked ahead, less those of origins whose key rotated since: ingest judges those itself.

    A key that was current when checked may have been retired or revoked by the time the page is stored.
    """
    if page.checked is None:
        return None
    now = {o: k for o, k in (page.checked_with or {}).items() if accepted_key(session, o) == k}
    return [opened if opened is not None and _signer(envelope) in now else None
            for envelope, opened in zip(page.envelopes, page.checked)]


def _signer(envelope: Any) -> str | None:
    try:
        return claimed_signer(envelope)
    except WireError:
        return None


def _check_rejection_rate(sessions: sessionmaker[Session], peer_id: str) -> None:
    """End the pull (the peer backs off) while the peer's rejections of the last hour exceed the limit."""
    with sessions() as session:
        rejected = recent_rejections(session, peer_id, utcnow())
    if rejected > REJECTIONS_PER_HOUR:
        raise PeerUnavailable(f"{rejected} envelopes rejected within the hour (limit {REJECTIONS_PER_HOUR}): "
                              "backing off until the rate falls")


def _read_page(client: PeerClient, cursor: int) -> FeedAnswer:
    page = client.changes(cursor, BATCH)
    changes, next_cursor, epoch = page.get("changes"), page.get("next"), page.get("epoch")
    if not isinstance(changes, list) or not isinstance(next_cursor, int) or isinstance(next_cursor, bool) \
            or next_cursor < 0 or not (epoch is None or isinstance(epoch, str) and 0 < len(epoch) <= 64):
        raise PeerUnavailable("changes feed answer is malformed")
    if len(changes) > BATCH:
        raise PeerUnavailable(f"changes feed answered {len(changes)} entries for a page of {BATCH}")
    return FeedAnswer(changes, next_cursor, bool(page.get("more")), epoch)


def _missing(session: Session, changes: list[dict[str, Any]], peer_id: str = "") -> list[str]:
    """Ids whose announced version, tombstone or withdrawal this node does not hold yet (and needs)."""
    return _sort_changes(session, changes, peer_id)[0]


def _sort_changes(session: Session, changes: list[dict[str, Any]], peer_id: str) -> tuple[list[str], list[str]]:
    """The ids this node needs (see _missing), and those announced at the held version that it does not fetch."""
    held = held_versions(session, [c.get("id") for c in changes if isinstance(c.get("id"), str)])
    usable = [c for c in changes if isinstance(c.get("id"), str) and isinstance(c.get("version"), int)]
    needed = {c["id"] for c in usable if _wanted(c, held.get(c["id"]))}
    again = [c["id"] for c in usable if c["id"] not in needed and _same(c, held.get(c["id"]))]
    resigned = worth_refetching(session, again, peer_id) if again else set()
    wanted = [c["id"] for c in usable if c["id"] in needed or c["id"] in resigned]
    return wanted, [i for i in again if i not in resigned]


def _same(change: dict[str, Any], mine: Held | None) -> bool:
    """The change announces the version and kind held here: only a newer signature could be new."""
    return mine is not None and mine.version == change["version"] and mine.kind == change.get("kind")


def _wanted(change: dict[str, Any], mine: Held | None) -> bool:
    version, kind = change["version"], change.get("kind")
    if kind == EnvelopeKind.ITEM and mine is not None and mine.kind == EnvelopeKind.ITEM and mine.version == version:
        # The same version with another payload is fetched so that ingest can see the conflict (§11).
        return isinstance(change.get("digest"), str) and mine.digest is not None and change["digest"] != mine.digest
    if kind == EnvelopeKind.WITHDRAWAL:  # also where nothing is held yet: it must end an earlier version on its way
        return mine is None or (mine.kind != EnvelopeKind.TOMBSTONE and mine.version < version)
    if kind == EnvelopeKind.TOMBSTONE and mine is not None and mine.kind != EnvelopeKind.TOMBSTONE:
        return True
    return mine is None or mine.version < version


def _learn_rotations(sessions: sessionmaker[Session], client: PeerClient, rejected: list[Any], peer_id: str,
                     local: LocalNode) -> bool:
    """After signature failures, ask the peer whether those origins rotated their keys; True if any did.

    A peer that instead vouches for another key of a known node, with no rotation leading to it, is
    recorded as a trust alert (the key is not applied).
    """
    learned = False
    for origin in {_signer(e) for e in rejected} - {None}:
        try:
            record = client.node(origin)
        except PeerUnavailable:
            continue
        with sessions.begin() as session:
            if accepted_key(session, origin) is None:
                continue
            learned |= _rotate(session, origin, record)
            note_known(session, origin, record, endorsers(session, local), peer_id)
    return learned


def _rotate(session: Session, origin: str, record: Any) -> bool:
    try:
        with session.begin_nested():  # a refused chain leaves nothing half-applied
            return apply_rotations(session, origin, record.get("rotations") or [], record.get("descriptor"))
    except (TrustError, AttributeError):
        return False


def _retry(sessions: sessionmaker[Session], envelopes: list[Any], peer_id: str, local: LocalNode) -> Counter:
    """Ingest once more after a key rotation was learned; the stale rejections are dropped."""
    report: Counter = Counter()
    with sessions.begin() as session:
        outcomes = ingest_page(session, envelopes, peer_id, local.view, local.sinks, grace=local.key_grace)
        for envelope, outcome in zip(envelopes, outcomes):
            if outcome != Outcome.REJECTED:
                report[outcome] += 1
                report[Outcome.REJECTED] -= 1
                _forget_rejection(session, envelope["payload"], peer_id)
    return report


def _forget_rejection(session: Session, payload: dict[str, Any], peer_id: str) -> None:
    session.execute(delete(Rejection).where(Rejection.item_id == payload.get("id"),
                                            Rejection.version == payload.get("version"),
                                            Rejection.received_from == peer_id))


def take_waiting(session: Session, local: LocalNode) -> Counter:
    """Ingest waiting envelopes whose origin key has since been accepted, or whose plan version has arrived."""
    # An endorsement waiting for its plan is ready once the plan's row is at that version, or has ended.
    plan_arrived = select(Envelope.seq).where(
        Envelope.item_id == WaitingEnvelope.item_id,
        or_(Envelope.kind != EnvelopeKind.ITEM, Envelope.version >= WaitingEnvelope.version)).exists()
    ready = or_(WaitingEnvelope.waits_for == WaitsFor.KEY, plan_arrived)
    rows = session.scalars(select(WaitingEnvelope).where(WaitingEnvelope.origin.in_(select(KnownNode.id)), ready)
                           .order_by(WaitingEnvelope.id)).all()
    report: Counter = Counter()
    for row in rows:
        report.update(ingest_page(session, [json.loads(row.envelope)], row.received_from, local.view, local.sinks,
                                  grace=local.key_grace))
        session.delete(row)
    return report
