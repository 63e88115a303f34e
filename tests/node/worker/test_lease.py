"""The worker lease on SQLite and PostgreSQL: one holder at a time, renewal, expiry, takeover and a lost lease."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from node.core.db import make_engine, make_sessionmaker, upgrade_database
from node.worker.lease import Holder, Lease, WorkerLease, read_lease
from tests.helpers.clock import ManualClock

PERIOD = timedelta(seconds=15)


@pytest.fixture(params=["sqlite", "postgresql"])
def sessions(request, tmp_path):
    """Sessions on a database migrated to head: SQLite, and a real PostgreSQL."""
    url = (f"sqlite:///{tmp_path / 'node.db'}" if request.param == "sqlite"
           else request.getfixturevalue("postgresql_server").new_database())
    upgrade_database(url)
    engine = make_engine(url)
    yield make_sessionmaker(engine)
    engine.dispose()


@pytest.fixture
def clock():
    return ManualClock()


def _lease(sessions, clock, name: str) -> Lease:
    return Lease(sessions, Holder(f"{name}.example", len(name), f"token-{name}"), PERIOD, clock)


def _view(sessions, clock):
    with sessions() as session:
        return read_lease(session, clock())


def test_the_first_worker_takes_the_released_lease_and_a_second_waits(sessions, clock):
    first, second = _lease(sessions, clock, "first"), _lease(sessions, clock, "second")
    assert first.acquire()
    assert not second.acquire()
    view = _view(sessions, clock)
    assert view.active and view.host == "first.example" and view.renewed_seconds_ago == 0


def test_renewal_keeps_the_lease_past_its_first_period_and_the_standby_out(sessions, clock):
    first, second = _lease(sessions, clock, "first"), _lease(sessions, clock, "second")
    first.acquire()
    for _ in range(4):
        clock.advance(PERIOD.total_seconds() / 3)
        assert first.renew()
        assert not second.acquire()
    assert not first.expired()


def test_an_expired_lease_is_taken_over_and_the_old_holder_finds_it_lost(sessions, clock):
    first, second = _lease(sessions, clock, "first"), _lease(sessions, clock, "second")
    first.acquire()
    clock.advance(PERIOD.total_seconds() - 1)
    assert not second.acquire()
    assert _view(sessions, clock).active
    clock.advance(2)
    assert _view(sessions, clock).status == "lease expired"
    assert first.expired()
    assert second.acquire()
    assert not first.renew() and first.expired()
    view = _view(sessions, clock)
    assert view.active and view.host == "second.example"


def test_a_released_lease_is_taken_at_once_and_shows_no_active_worker_meanwhile(sessions, clock):
    first, second = _lease(sessions, clock, "first"), _lease(sessions, clock, "second")
    first.acquire()
    first.release()
    assert _view(sessions, clock).status == "no active worker"
    assert second.acquire()
    assert not first.renew()


def test_a_holder_whose_lease_was_released_by_someone_else_cannot_renew_it(sessions, clock):
    first = _lease(sessions, clock, "first")
    first.acquire()
    with sessions.begin() as session:  # as an operator clearing the row by hand would
        session.execute(update(WorkerLease).values(state="released"))
    assert not first.renew()
    assert first.expired()


def test_a_holder_that_has_not_renewed_by_its_expiry_counts_itself_expired_before_anyone_takes_over(sessions, clock):
    first = _lease(sessions, clock, "first")
    first.acquire()
    clock.advance(PERIOD.total_seconds())
    assert first.expired()


def test_a_database_without_the_lease_row_gets_it_from_the_first_worker(sessions, clock):
    with sessions.begin() as session:
        session.query(WorkerLease).delete()
    assert _view(sessions, clock).status == "no active worker"
    first, second = _lease(sessions, clock, "first"), _lease(sessions, clock, "second")
    assert first.acquire()
    assert not second.acquire()


def test_of_four_workers_trying_at_the_same_moment_exactly_one_takes_the_lease(sessions, clock):
    leases = [_lease(sessions, clock, name) for name in ("a", "bb", "ccc", "dddd")]
    for _ in range(5):
        start = threading.Barrier(len(leases))

        def attempt(lease: Lease) -> bool:
            start.wait()
            return lease.acquire()

        with ThreadPoolExecutor(len(leases)) as pool:
            taken = list(pool.map(attempt, leases))
        assert taken.count(True) == 1
        leases[taken.index(True)].release()


def test_the_database_refuses_a_lease_state_that_is_not_declared(sessions):
    with pytest.raises(IntegrityError), sessions.begin() as session:
        session.execute(update(WorkerLease).values(state="active"))
