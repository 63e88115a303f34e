"""The background worker's states: standby until it holds the lease, the jobs only while it does, released at stop."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from node.worker import service
from node.worker.lease import Holder, Lease, WorkerLease
from node.worker.service import BackgroundWorker, WorkerState
from search.runtime import SearchRuntime
from tests.helpers.clock import ManualClock


class FakeJobs:
    """Stands in for the scheduler: records whether it was stopped."""

    def __init__(self):
        self.stopped = False

    def stop(self) -> None:
        self.stopped = True


@pytest.fixture
def started(monkeypatch) -> list[FakeJobs]:
    """The jobs each activation started (no scheduler, no Meilisearch, no federation)."""
    jobs: list[FakeJobs] = []
    monkeypatch.setattr(service.search_runtime, "start_search", lambda home, settings: SearchRuntime(None))
    monkeypatch.setattr(service, "open_process", lambda config, index: None)
    monkeypatch.setattr(service, "prepare_federation", lambda process: None)
    monkeypatch.setattr(service, "start_jobs",
                        lambda process, search, holds_lease: jobs.append(FakeJobs()) or jobs[-1])
    return jobs


def _worker(config, sessions, clock, name: str) -> BackgroundWorker:
    lease = Lease(sessions, Holder("host", 1, name), timedelta(seconds=15), clock)
    return BackgroundWorker(config, lease)


def _step(worker: BackgroundWorker) -> None:
    worker.step()
    worker.wait_started(30)


def test_only_the_worker_holding_the_lease_starts_the_jobs(config, sessions, started):
    clock = ManualClock()
    first, second = _worker(config, sessions, clock, "a"), _worker(config, sessions, clock, "b")
    _step(first)
    _step(second)
    assert (first.state, second.state) == (WorkerState.ACTIVE, WorkerState.STANDBY)
    assert len(started) == 1


def test_a_worker_that_finds_its_lease_taken_stops_its_jobs_and_goes_back_to_standby(config, sessions, started):
    clock = ManualClock()
    worker = _worker(config, sessions, clock, "a")
    _step(worker)
    with sessions.begin() as session:  # another worker took it over
        session.execute(update(WorkerLease).values(holder_token="someone-else"))
    _step(worker)
    assert worker.state == WorkerState.STANDBY and started[0].stopped


def test_a_worker_that_cannot_reach_the_database_past_its_expiry_stops_its_jobs(config, sessions, started):
    clock = ManualClock()
    worker = _worker(config, sessions, clock, "a")
    _step(worker)

    def unreachable():
        from sqlalchemy.exc import OperationalError
        raise OperationalError("UPDATE", {}, Exception("database is away"))

    worker.lease.renew = unreachable
    clock.advance(5)
    _step(worker)
    assert worker.state == WorkerState.ACTIVE and not started[0].stopped  # the lease is still ours for 10 s
    clock.advance(11)
    _step(worker)
    assert worker.state == WorkerState.STANDBY and started[0].stopped


def test_shutting_down_stops_the_jobs_and_releases_the_lease_for_a_standby_at_once(config, sessions, started):
    clock = ManualClock()
    first, second = _worker(config, sessions, clock, "a"), _worker(config, sessions, clock, "b")
    _step(first)
    first.shut_down()
    assert first.state == WorkerState.STOPPED and started[0].stopped
    _step(second)
    assert second.state == WorkerState.ACTIVE and len(started) == 2


def test_a_worker_whose_jobs_fail_to_start_gives_the_lease_up(config, sessions, started, monkeypatch):
    clock = ManualClock()
    monkeypatch.setattr(service, "prepare_federation", lambda process: 1 / 0)
    worker, standby = _worker(config, sessions, clock, "a"), _worker(config, sessions, clock, "b")
    _step(worker)
    _step(worker)
    assert worker.state == WorkerState.STANDBY
    _step(standby)
    assert standby.state == WorkerState.ACTIVE


def test_a_worker_paused_past_its_expiry_tells_its_running_pulls_to_stop_before_it_notices_the_loss(
        config, sessions, started):
    clock = ManualClock()
    worker = _worker(config, sessions, clock, "a")
    _step(worker)
    assert worker.holds_lease()
    clock.advance(16)  # frozen (SIGSTOP, a paused VM) for longer than the lease: a standby may hold it now
    assert worker.state == WorkerState.ACTIVE and not worker.holds_lease()
