"""Periodic node upkeep; the scheduler calls only `run_cycle`."""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session, sessionmaker

from node.publishing import expire_due_items

log = logging.getLogger(__name__)


def run_cycle(sessions: sessionmaker[Session]) -> int:
    """Expire items whose expiry has passed; returns how many were expired."""
    with sessions.begin() as session:
        expired = expire_due_items(session)
    if expired:
        log.info("expired %d item(s)", expired)
    return expired
