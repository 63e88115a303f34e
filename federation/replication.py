"""Pull replication from one peer: read its feed from our checkpoint, fetch only missing bodies, ingest.

Each batch is one transaction that also advances the checkpoint, so a crash at
any moment loses nothing (the batch is fetched again) and duplicates nothing
(ingest skips versions already held).
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from federation.client import PeerClient, PeerUnavailable
from federation.feed import held_versions
from federation.ingest import Outcome, ingest
from federation.local import LocalNode
from federation.models import EnvelopeKind, Peer, Rejection, WaitingEnvelope
from federation.rotation import apply_rotations
from federation.trust import TrustError, accepted_key, check_descriptor, check_endorsement, remember_node
from federation.wire import WireError, claimed_signer

BATCH = 200


def pull_from_peer(sessions: sessionmaker[Session], local: LocalNode, peer_id: str, connect=PeerClient) -> Counter:
    """Pull everything new from one approved peer; returns outcome counts. Raises PeerUnavailable.

    `connect(base_url, peer_id, my_id, key)` makes the client; the default speaks HTTP.
    """
    with sessions() as session:
        peer = session.get(Peer, peer_id)
        client, cursor = connect(peer.url, peer.id, local.id, local.key), peer.cursor
        trusted = {peer.id: peer.public_key, **local.trust_anchors}
    report: Counter = Counter()
    while True:
        changes, next_cursor, more = _read_page(client, cursor)
        with sessions() as session:
            wanted = _missing(session, changes)
        envelopes = client.envelopes(wanted) if wanted else []
        _learn_keys(sessions, client, envelopes, trusted)
        with sessions.begin() as session:
            outcomes = [ingest(session, envelope, peer_id, local.view) for envelope in envelopes]
            report.update(outcomes)
            report.update(take_waiting(session, local))
            row = session.get(Peer, peer_id)
            row.cursor, cursor = next_cursor, next_cursor
            row.received_total += report[Outcome.STORED] + report[Outcome.TOMBSTONED]
        rejected = [e for e, outcome in zip(envelopes, outcomes) if outcome == Outcome.REJECTED]
        if rejected and _learn_rotations(sessions, client, rejected):
            report.update(_retry(sessions, rejected, peer_id, local))
        if not more:
            return report


def _read_page(client: PeerClient, cursor: int) -> tuple[list[dict[str, Any]], int, bool]:
    page = client.changes(cursor, BATCH)
    changes, next_cursor = page.get("changes"), page.get("next")
    if not isinstance(changes, list) or not isinstance(next_cursor, int) or next_cursor < cursor:
        raise PeerUnavailable("changes feed answer is malformed")
    return changes, next_cursor, bool(page.get("more"))


def _missing(session: Session, changes: list[dict[str, Any]]) -> list[str]:
    """Ids whose announced version (or tombstone) this node does not hold yet."""
    held = held_versions(session, [c.get("id") for c in changes if isinstance(c.get("id"), str)])
    wanted = []
    for change in changes:
        version, kind = change.get("version"), change.get("kind")
        mine = held.get(change.get("id"))
        if not isinstance(version, int):
            continue
        if mine is None or mine[0] < version or (kind == EnvelopeKind.TOMBSTONE and mine[1] != EnvelopeKind.TOMBSTONE):
            wanted.append(change["id"])
    return wanted


def _learn_keys(sessions: sessionmaker[Session], client: PeerClient, envelopes: list[Any], trusted: dict[str, str]) -> None:
    """Ask the peer for the endorsed descriptor of every origin whose key is not accepted yet."""
    origins = set()
    for envelope in envelopes:
        try:
            origins.add(claimed_signer(envelope))
        except WireError:
            continue
    with sessions() as session:
        unknown = [o for o in origins if accepted_key(session, o) is None]
    for origin in unknown:
        try:
            record = client.node(origin)
            descriptor = check_descriptor(record.get("descriptor"))
            if descriptor.id != origin:
                continue
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
        for envelope in envelopes:
            outcome = ingest(session, envelope, peer_id, local.view)
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
    """Ingest waiting envelopes whose origin key has since been accepted."""
    report: Counter = Counter()
    for row in session.scalars(select(WaitingEnvelope).order_by(WaitingEnvelope.id)).all():
        if accepted_key(session, row.origin) is None:
            continue
        report[ingest(session, json.loads(row.envelope), row.received_from, local.view)] += 1
        session.delete(row)
    return report
