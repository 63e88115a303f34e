"""Periodic node upkeep; the scheduler calls only `run_cycle`."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from federation.changes import prune_tombstones
from federation.equivocation import prune_equivocations
from federation.ingest import prune_ingest_logs
from federation.peering import expire_pending_peers
from federation.pull_history import prune_removed_peers_pulls
from node.accounts.logins import prune_login_records
from node.accounts.saml import prune_saml_records
from node.accounts.sessions import Lifetimes, prune_sessions
from node.audit.queries import PRUNE_BATCH, prune_audit_events
from node.core.config import AccountRules
from node.core.models import utcnow
from node.items.publishing import ActingNode, expire_due_items

log = logging.getLogger(__name__)
# Audit events pruned per cycle at most, in batches of PRUNE_BATCH each in its own short transaction, so a
# large backlog (a lowered retention) is worked off over a few cycles without holding the write lock long.
AUDIT_PRUNE_PER_CYCLE = 20 * PRUNE_BATCH


def run_cycle(sessions: sessionmaker[Session], by: ActingNode, tombstone_days: int,
              accounts: AccountRules = AccountRules(), audit_retention_days: int = 730) -> int:
    """Expire due items; prune old tombstones, ingest logs, resolved conflicts, old pending peers (and removed peers'
    pull history), ended login sessions, login records, SAML requests and assertions, and audit events past their
    retention; returns how many items expired."""
    with sessions.begin() as session:
        expired = expire_due_items(session, by)
        prune_tombstones(session, utcnow() - timedelta(days=tombstone_days))
        prune_ingest_logs(session, utcnow())
        prune_equivocations(session, utcnow())
        expire_pending_peers(session, utcnow())
        prune_removed_peers_pulls(session)
        prune_sessions(session, Lifetimes.of(accounts), utcnow())
        prune_login_records(session, accounts, utcnow())
        prune_saml_records(session, utcnow())
    prune_audit_log(sessions, utcnow() - timedelta(days=audit_retention_days))
    if expired:
        log.info("expired %d item(s)", expired)
    return expired


def prune_audit_log(sessions: sessionmaker[Session], before: datetime, most: int = AUDIT_PRUNE_PER_CYCLE) -> int:
    """Delete audit events older than `before`, a batch per transaction, at most `most`; returns how many."""
    pruned = 0
    while pruned < most:
        with sessions.begin() as session:
            deleted = prune_audit_events(session, before, min(PRUNE_BATCH, most - pruned))
        pruned += deleted
        if deleted < PRUNE_BATCH:
            break
    if pruned:
        log.info("pruned %d audit event(s) past their retention", pruned)
    return pruned
