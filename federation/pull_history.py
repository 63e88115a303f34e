"""The history of pulls from each peer: one row per ended pull, the newest PULLS_KEPT per peer, in Danish for admins.

A record is written by `federation.scheduling.pull_and_record` in the same transaction that updates the
peer's last-pull fields, after the pull has ended (no network call inside that transaction).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from federation.client import PeerUnavailable
from federation.ingest import Outcome
from federation.models import Peer, PullOutcome, PullRecord
from node.core.translation import N_

# Pulls kept per peer: enough to see a pattern (a peer failing every night), small enough never to matter.
PULLS_KEPT = 50
REASON_MAX = 500  # PullRecord.reason's length
# What a pull stored: the outcomes that change what this node holds (as Peer.received_total counts them).
STORED_OUTCOMES = (Outcome.STORED, Outcome.TOMBSTONED, Outcome.WITHDRAWN, Outcome.ENDORSED, Outcome.REVOKED)

# Marked here, translated where shown (the pull history page).
OUTCOME_LABELS = {
    PullOutcome.OK: N_("Hentet"),
    PullOutcome.FAILED: N_("Fejlede"),
    PullOutcome.STOPPED: N_("Stoppet"),
}
# Why a pull ended without reading the feed to its end, in the administrator's words (translated where shown).
ERROR_KINDS = {
    "unreachable": N_("Noden svarede ikke (den er måske nede, eller adressen kan ikke nås)"),
    "timeout": N_("Noden svarede ikke færdigt inden for tidsgrænsen"),
    "refused": N_("Noden afviste at svare denne node (er vi godkendt hos den?)"),
    "peer_error": N_("Noden svarede med en fejl"),
    "too_large": N_("Svaret var større end tilladt og blev afvist"),
    "malformed": N_("Svaret kunne ikke bruges"),
    "too_many_pages": N_("Der var mere, end der hentes i én omgang; resten hentes ved næste hentning"),
    "feed_restarted": N_("Nodens ændringsfeed begyndte forfra to gange under samme hentning"),
    "rejections": N_("Der kom for mange afviste data fra noden den seneste time; der ventes, til det falder"),
    "stopped": N_("Stoppet, fordi en anden baggrundsproces har overtaget arbejdet"),
    "internal": N_("Uventet fejl i denne node (se nodens log)"),
}
# Message beginnings of PeerUnavailable (federation/client.py, federation/replication.py) and their kind.
_MESSAGE_KINDS = (
    ("no answer:", "unreachable"),
    ("no complete answer", "timeout"),
    ("answer larger than", "too_large"),
    ("more than", "too_many_pages"),
    ("the changes feed started again", "feed_restarted"),
)


@dataclass(frozen=True)
class PullEnd:
    """How a pull ended: its outcome, the counts it reached, and the error if it broke off."""

    outcome: PullOutcome
    report: Counter
    error: BaseException | None = None


def error_kind(error: BaseException | None, outcome: PullOutcome) -> str | None:
    """The kind of error that ended a pull (a key of ERROR_KINDS), or None for a pull that worked."""
    if outcome == PullOutcome.STOPPED:
        return "stopped"
    if outcome == PullOutcome.OK or error is None:
        return None
    if not isinstance(error, PeerUnavailable):
        return "internal"
    if error.status is not None:
        return "refused" if error.status in (401, 403) else "peer_error"
    message = str(error)
    if "rejected within the hour" in message:
        return "rejections"
    return next((kind for start, kind in _MESSAGE_KINDS if message.startswith(start)), "malformed")


def record_pull(session: Session, peer_id: str, started_at: datetime, finished_at: datetime, end: PullEnd,
                keep: int = PULLS_KEPT) -> PullRecord:
    """Add the record of one ended pull and drop the peer's records beyond the newest `keep`."""
    record = PullRecord(
        peer_id=peer_id, started_at=started_at, finished_at=finished_at, outcome=end.outcome,
        stored=sum(end.report[o] for o in STORED_OUTCOMES), rejected=max(0, end.report[Outcome.REJECTED]),
        error_kind=error_kind(end.error, end.outcome),
        reason=str(end.error)[:REASON_MAX] if end.error is not None else None,
    )
    session.add(record)
    session.flush()
    newest = select(PullRecord.id).where(PullRecord.peer_id == peer_id).order_by(PullRecord.id.desc()).limit(keep)
    session.execute(delete(PullRecord).where(PullRecord.peer_id == peer_id, PullRecord.id.not_in(newest)))
    return record


def prune_removed_peers_pulls(session: Session) -> int:
    """Forget the pull history of peers that have been removed; returns how many records went."""
    return session.execute(delete(PullRecord).where(PullRecord.peer_id.not_in(select(Peer.id)))).rowcount


def recent_pulls(session: Session, peer_id: str, limit: int = PULLS_KEPT) -> list[PullRecord]:
    """The peer's latest pulls, newest first."""
    query = select(PullRecord).where(PullRecord.peer_id == peer_id).order_by(PullRecord.id.desc()).limit(limit)
    return list(session.scalars(query))
