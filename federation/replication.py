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
from dataclasses import dataclass
from functools import partial
from typing import Any, NamedTuple

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session, sessionmaker

from federation.changes import Held, held_versions
from federation.client import PeerClient, PeerUnavailable
from federation.ingest import Outcome, check_signatures, ingest_page, signers
from federation.local import LocalNode
from federation.models import Envelope, EnvelopeKind, KnownNode, Peer, Rejection, WaitingEnvelope, WaitsFor
from federation.readahead import read_ahead
from federation.rotation import apply_rotations
from federation.trust import (
    TrustError,
    accepted_key,
    accepted_public_keys,
    check_descriptor,
    check_endorsement,
    check_pinned,
    remember_node,
)
from federation.wire import Opened, WireError, claimed_signer

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


class FeedAnswer(NamedTuple):
    """One `/changes` answer, its shape checked."""

    changes: list[dict[str, Any]]
    next_cursor: int
    more: bool
    epoch: str | None


def pull_from_peer(sessions: sessionmaker[Session], local: LocalNode, peer_id: str, connect=None,
                   progress: Callable[[Counter], None] | None = None) -> Counter:
    """Pull everything new from one approved peer; returns outcome counts. Raises PeerUnavailable.

    `connect(base_url, peer_id, my_id, key)` makes the client; the default speaks HTTP within `local.limits`.
    A pull reads at most `local.limits.max_pages_per_pull` pages: past that it keeps what it stored and
    raises PeerUnavailable, so the peer backs off instead of holding the node (an endless feed).
    `progress`, if given, is called with the counts so far after each stored page.
    Three stages overlap, each in its own thread: fetching pages, checking their
    signatures (large batches in a helper process, see federation/verifier.py) and storing them.
    """
    connect = connect or partial(PeerClient, limits=local.limits)
    with sessions() as session:
        peer = session.get(Peer, peer_id)
        client, cursor, epoch = connect(peer.url, peer.id, local.id, local.key), peer.cursor, peer.epoch
        trusted = {peer.id: peer.public_key, **local.trust_anchors}
    report: Counter = Counter()
    fetched = read_ahead(fetch_pages(sessions, client, cursor, trusted, local.limits.max_pages_per_pull, epoch))
    for page in read_ahead(check_pages(sessions, fetched)):
        report.update(_store_page(sessions, page, client, peer_id, local))
        if progress:
            progress(report)
    return report


def fetch_pages(sessions: sessionmaker[Session], client: PeerClient, cursor: int, trusted: dict[str, str],
                max_pages: int, epoch: str | None = None) -> Iterator[FetchedPage]:
    """The peer's feed from `cursor` to its end, a page at a time, with the bodies this node lacks.

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
            wanted = _missing(session, answer.changes)
        envelopes = client.envelopes(wanted) if wanted else []  # an item's withdrawal and endorsements come along
        _learn_keys(sessions, client, envelopes, trusted)
        yield FetchedPage(envelopes, cursor, more, epoch)


def _started_again(answer: FeedAnswer, cursor: int, epoch: str | None) -> bool:
    """Whether the peer's feed is not the one `cursor` was read in: a new epoch, or a head below the cursor."""
    if answer.next_cursor < cursor:
        return True
    # A peer first read before epochs (or one that names none) is taken at its word from now on.
    return epoch is not None and answer.epoch is not None and answer.epoch != epoch


def check_pages(sessions: sessionmaker[Session], pages: Iterator[FetchedPage]) -> Iterator[FetchedPage]:
    """The same pages with each envelope's signature checked against the keys this node accepts."""
    for page in pages:
        with sessions() as session:
            keys = accepted_public_keys(session, signers(page.envelopes))
        page.checked = check_signatures(page.envelopes, keys)
        yield page


def _store_page(sessions: sessionmaker[Session], page: FetchedPage, client: PeerClient, peer_id: str,
                local: LocalNode) -> Counter:
    """Ingest one page and advance the checkpoint in one transaction; then retry what a key rotation explains."""
    with _STORING, sessions.begin() as session:
        outcomes = ingest_page(session, page.envelopes, peer_id, local.view, local.sinks, page.checked)
        report = Counter(outcomes) + take_waiting(session, local)
        row = session.get(Peer, peer_id)
        row.cursor, row.epoch = page.next_cursor, page.epoch or row.epoch
        row.received_total += sum(report[o] for o in (Outcome.STORED, Outcome.TOMBSTONED, Outcome.WITHDRAWN,
                                                      Outcome.ENDORSED))
    rejected = [e for e, outcome in zip(page.envelopes, outcomes) if outcome == Outcome.REJECTED]
    if rejected and _learn_rotations(sessions, client, rejected):
        report.update(_retry(sessions, rejected, peer_id, local))
    return report


def _read_page(client: PeerClient, cursor: int) -> FeedAnswer:
    page = client.changes(cursor, BATCH)
    changes, next_cursor, epoch = page.get("changes"), page.get("next"), page.get("epoch")
    if not isinstance(changes, list) or not isinstance(next_cursor, int) or isinstance(next_cursor, bool) \
            or next_cursor < 0 or not (epoch is None or isinstance(epoch, str) and 0 < len(epoch) <= 64):
        raise PeerUnavailable("changes feed answer is malformed")
    if len(changes) > BATCH:
        raise PeerUnavailable(f"changes feed answered {len(changes)} entries for a page of {BATCH}")
    return FeedAnswer(changes, next_cursor, bool(page.get("more")), epoch)


def _missing(session: Session, changes: list[dict[str, Any]]) -> list[str]:
    """Ids whose announced version, tombstone or withdrawal this node does not hold yet (and needs)."""
    held = held_versions(session, [c.get("id") for c in changes if isinstance(c.get("id"), str)])
    return [c["id"] for c in changes
            if isinstance(c.get("id"), str) and isinstance(c.get("version"), int) and _wanted(c, held.get(c["id"]))]


def _wanted(change: dict[str, Any], mine: Held | None) -> bool:
    version, kind = change["version"], change.get("kind")
    if kind == EnvelopeKind.ITEM and mine is not None and mine.kind == EnvelopeKind.ITEM and mine.version == version:
        # The same version with another payload is fetched so that ingest can see the conflict (§11).
        return isinstance(change.get("digest"), str) and mine.digest is not None and change["digest"] != mine.digest
    if kind == EnvelopeKind.WITHDRAWAL:  # only matters where an earlier version of the item is held
        return mine is not None and mine.kind == EnvelopeKind.ITEM and mine.version < version
    if kind == EnvelopeKind.TOMBSTONE and mine is not None and mine.kind != EnvelopeKind.TOMBSTONE:
        return True
    return mine is None or mine.version < version


def _learn_keys(sessions: sessionmaker[Session], client: PeerClient, envelopes: list[Any],
                trusted: dict[str, str]) -> None:
    """Ask the peer for the endorsed descriptor of every origin whose key is not accepted yet."""
    with sessions() as session:
        unknown = [o for o in signers(envelopes) if accepted_key(session, o) is None]
    for origin in unknown:
        try:
            record = client.node(origin)
            descriptor = check_descriptor(record.get("descriptor"))
            if descriptor.id != origin:
                continue
            check_pinned(descriptor, trusted)
            endorser, endorsement = _first_trusted(descriptor, record.get("endorsements") or [], trusted)
            with sessions.begin() as session:
                remember_node(session, descriptor, endorser, endorsement)
        except (PeerUnavailable, TrustError):
            continue  # its envelopes wait, visibly, until a trusted node vouches for the key


def _first_trusted(descriptor, endorsements: list[Any], trusted: dict[str, str]) -> tuple[str, Any]:
    for endorsement in endorsements:
        try:
            return check_endorsement(descriptor, endorsement, trusted), endorsement
        except TrustError:
            continue
    raise TrustError(f"no trusted endorsement for {descriptor.id}")


def _learn_rotations(sessions: sessionmaker[Session], client: PeerClient, rejected: list[Any]) -> bool:
    """After signature failures, ask the peer whether those origins rotated their keys; True if any did."""
    learned = False
    for origin in {claimed_signer(e) for e in rejected if _has_signer(e)}:
        try:
            record = client.node(origin)
            with sessions.begin() as session:
                if accepted_key(session, origin) is not None:
                    learned |= apply_rotations(session, origin, record.get("rotations") or [], record.get("descriptor"))
        except (PeerUnavailable, TrustError):
            continue
    return learned


def _has_signer(envelope: Any) -> bool:
    try:
        claimed_signer(envelope)
        return True
    except WireError:
        return False


def _retry(sessions: sessionmaker[Session], envelopes: list[Any], peer_id: str, local: LocalNode) -> Counter:
    """Ingest once more after a key rotation was learned; the stale rejections are dropped."""
    report: Counter = Counter()
    with sessions.begin() as session:
        outcomes = ingest_page(session, envelopes, peer_id, local.view, local.sinks)
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
        report.update(ingest_page(session, [json.loads(row.envelope)], row.received_from, local.view, local.sinks))
        session.delete(row)
    return report
