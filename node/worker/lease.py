"""The worker lease: one database row saying which process runs the node's background jobs, until when.

Exactly one process per node database may run the scheduler jobs (federation pulls, housekeeping,
feeds, the search outbox) and the managed Meilisearch: two would pull the same peer at the same
moment and store everything twice. The holder renews the row every third of the lease period; a
standby takes a row that is released or past its expiry with one conditional UPDATE, so of two
processes trying at once exactly one succeeds, on SQLite and on PostgreSQL alike. Times are UTC
from the worker's clock (injectable for tests); hosts sharing a database keep time with NTP, and the
lease period is far longer than their skew.
"""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import Integer, String, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from node.core.models import Base, utcnow
from node.core.states import Transitions

LEASE_ID = 1  # the one row


class LeaseState(StrEnum):
    HELD = "held"
    RELEASED = "released"  # by a clean shutdown; also the row's state before any worker ever ran


# A held lease is renewed (held again) or taken over once expired (held again, by another holder); released
# at a clean shutdown. The moves are made by the conditional UPDATEs below, the graph declares them.
LEASE_TRANSITIONS = Transitions(LeaseState, "state", {
    LeaseState.HELD: (LeaseState.HELD, LeaseState.RELEASED),
    LeaseState.RELEASED: (LeaseState.HELD,),
})


class WorkerLease(Base):
    """Who runs the node's background jobs: holder host, pid and token, and when the lease expires."""

    __tablename__ = "worker_lease"
    __table_args__ = (LEASE_TRANSITIONS.check_constraint(),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    state: Mapped[str] = mapped_column(String(16), default=LeaseState.RELEASED)
    holder_token: Mapped[str | None] = mapped_column(String(64))
    holder_host: Mapped[str | None] = mapped_column(String(255))
    holder_pid: Mapped[int | None] = mapped_column(Integer)
    acquired_at: Mapped[datetime | None]
    renewed_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]


@dataclass(frozen=True)
class Holder:
    """One process that wants the lease: where it runs, and a random token no other process has."""

    host: str
    pid: int
    token: str

    @classmethod
    def this_process(cls) -> Holder:
        """This process, with a fresh token."""
        return cls(socket.gethostname(), os.getpid(), secrets.token_hex(16))


@dataclass
class Lease:
    """The lease as one holder takes, renews and releases it."""

    sessions: sessionmaker[Session]
    holder: Holder
    period: timedelta
    clock: Callable[[], datetime] = utcnow
    expires_at: datetime | None = None  # of our own lease, as last written; None: not held

    def acquire(self) -> bool:
        """Take the lease if it is released, expired or ours already; whether this holder now holds it."""
        now = self.clock()
        free = ((WorkerLease.state == LeaseState.RELEASED) | (WorkerLease.expires_at < now)
                | (WorkerLease.holder_token == self.holder.token))
        values = {"state": LeaseState.HELD, "holder_token": self.holder.token, "holder_host": self.holder.host,
                  "holder_pid": self.holder.pid, "acquired_at": now, "renewed_at": now,
                  "expires_at": now + self.period}
        with self.sessions.begin() as session:
            taken = session.execute(update(WorkerLease).where(WorkerLease.id == LEASE_ID, free)
                                    .values(**values)).rowcount == 1
        if not taken:
            taken = self._insert_first(values)
        self.expires_at = now + self.period if taken else None
        return taken

    def _insert_first(self, values: dict) -> bool:
        # The migration writes the row; a database made some other way gets it from the first worker.
        try:
            with self.sessions.begin() as session:
                if session.get(WorkerLease, LEASE_ID) is not None:
                    return False
                session.add(WorkerLease(id=LEASE_ID, **values))
        except IntegrityError:  # another worker inserted it first
            return False
        return True

    def renew(self) -> bool:
        """Extend our lease by one period; False when it is no longer ours (taken over, or released)."""
        now = self.clock()
        with self.sessions.begin() as session:
            renewed = session.execute(
                update(WorkerLease).where(WorkerLease.id == LEASE_ID, WorkerLease.state == LeaseState.HELD,
                                          WorkerLease.holder_token == self.holder.token)
                .values(renewed_at=now, expires_at=now + self.period)).rowcount == 1
        self.expires_at = now + self.period if renewed else None
        return renewed

    def expired(self) -> bool:
        """Whether our own lease has run out by our clock (we could not renew it in time)."""
        return self.expires_at is None or self.clock() >= self.expires_at

    def release(self) -> None:
        """Give the lease up at once, so a standby takes over without waiting for it to expire."""
        now = self.clock()
        with self.sessions.begin() as session:
            session.execute(update(WorkerLease).where(WorkerLease.id == LEASE_ID,
                                                      WorkerLease.holder_token == self.holder.token)
                            .values(state=LeaseState.RELEASED, expires_at=now))
        self.expires_at = None


@dataclass(frozen=True)
class LeaseView:
    """The lease as /readyz, /metrics and the admin page read it."""

    status: str  # "ok", "no active worker" or "lease expired"
    host: str | None = None
    pid: int | None = None
    renewed_seconds_ago: float | None = None

    @property
    def active(self) -> bool:
        return self.status == "ok"


def read_lease(session: Session, now: datetime | None = None) -> LeaseView:
    """Whether a worker holds an unexpired lease, who, and how long ago it renewed it."""
    now = now or utcnow()
    row = session.scalar(select(WorkerLease).where(WorkerLease.id == LEASE_ID))
    if row is None or row.state != LeaseState.HELD or row.expires_at is None:
        return LeaseView("no active worker")
    status = "ok" if row.expires_at > now else "lease expired"
    age = (now - row.renewed_at).total_seconds() if row.renewed_at else None
    return LeaseView(status, row.holder_host, row.holder_pid, age)
