"""Periodic node upkeep; the scheduler calls only `run_cycle`."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker

from federation.changes import prune_tombstones
from federation.equivocation import prune_equivocations
from federation.ingest import prune_ingest_logs
from federation.peering import expire_pending_peers
from node.accounts.logins import prune_login_records
from node.accounts.sessions import Lifetimes, prune_sessions
from node.core.config import AccountRules
from node.core.models import utcnow
from node.items.publishing import ActingNode, expire_due_items

log = logging.getLogger(__name__)


def run_cycle(sessions: sessionmaker[Session], by: ActingNode, tombstone_days: int,
              accounts: AccountRules = AccountRules()) -> int:
    """Expire due items; prune old tombstones, ingest logs, resolved conflicts, old pending peers, ended login
    sessions and login records past their retention; returns how many items expired."""
    with sessions.begin() as session:
        expired = expire_due_items(session, by)
        prune_tombstones(session, utcnow() - timedelta(days=tombstone_days))
        prune_ingest_logs(session, utcnow())
        prune_equivocations(session, utcnow())
        expire_pending_peers(session, utcnow())
        prune_sessions(session, Lifetimes.of(accounts), utcnow())
        prune_login_records(session, accounts, utcnow())
    if expired:
        log.info("expired %d item(s)", expired)
    return expired
