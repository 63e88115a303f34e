"""One process's background worker: standby until it holds the worker lease, then the node's jobs.

States, with the moves declared below: a worker starts as a standby, becomes active when it takes
the lease (and only then starts the jobs and, without VIDENSNET_MEILISEARCH_URL, the managed
Meilisearch), goes back to standby the moment it finds the lease lost (renewal refused, or not
renewed by its expiry), and is stopped at shutdown, releasing the lease so a standby takes over at once.
"""

from __future__ import annotations

import logging
import signal
import threading
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum

from sqlalchemy.exc import SQLAlchemyError

from federation.identity import ensure_node_key
from node.core.config import NodeConfig
from node.core.db import make_engine, make_sessionmaker
from node.core.logs import configure_diagnostics
from node.core.states import Transitions
from node.process import open_process
from node.worker.jobs import RunningJobs, prepare_federation, start_jobs
from node.worker.lease import Holder, Lease
from search import runtime as search_runtime

log = logging.getLogger("vidensnet.worker")


class WorkerState(StrEnum):
    STANDBY = "standby"  # waiting for the lease; runs no job
    ACTIVE = "active"  # holds the lease and runs the jobs
    STOPPED = "stopped"  # shut down; the lease released


WORKER_TRANSITIONS = Transitions(WorkerState, "state", {
    WorkerState.STANDBY: (WorkerState.ACTIVE, WorkerState.STOPPED),
    WorkerState.ACTIVE: (WorkerState.STANDBY, WorkerState.STOPPED),
    WorkerState.STOPPED: (),
})


@dataclass
class BackgroundWorker:
    """The node's background jobs in this process, run only while it holds the worker lease."""

    config: NodeConfig
    lease: Lease
    state: str = WorkerState.STANDBY
    jobs: RunningJobs | None = None
    search: search_runtime.SearchRuntime | None = None
    stopping: threading.Event = field(default_factory=threading.Event)
    jobs_lock: threading.Lock = field(default_factory=threading.Lock)
    starting: threading.Event | None = None  # set once the jobs of this activation started (or failed to)
    deactivated: threading.Event = field(default_factory=threading.Event)
    start_failed: bool = False

    @property
    def tick_seconds(self) -> float:
        """How often the lease is renewed (active) or tried (standby): a third of its period."""
        return self.lease.period.total_seconds() / 3

    def step(self) -> None:
        """One tick: a standby tries to take the lease; the active worker renews it, and stops its jobs if lost."""
        if self.state == WorkerState.STANDBY:
            if self._try(self.lease.acquire):
                self._activate()
        elif self.start_failed:
            self._give_up()
        elif self.state == WorkerState.ACTIVE:
            if not self._try(self.lease.renew) and (self.lease.expires_at is None or self.lease.expired()):
                log.error("worker lease lost: stopping the background jobs and waiting as standby")
                self._deactivate(WorkerState.STANDBY)

    def _try(self, attempt) -> bool:
        try:
            return attempt()
        except SQLAlchemyError as exc:  # the database away for a moment: the lease stays ours until it expires
            log.warning("worker lease not reachable in the database: %s", exc)
            return False

    def run(self) -> None:
        """Tick until stop() is called, then release the lease."""
        if self.state == WorkerState.STANDBY:
            log.info("background worker %s (pid %d) waiting as standby for the worker lease",
                     self.lease.holder.host, self.lease.holder.pid)
        while not self.stopping.is_set():
            self.step()
            self.stopping.wait(self.tick_seconds)
        self.shut_down()

    def stop(self) -> None:
        """Ask run() to end (from a signal handler or another thread)."""
        self.stopping.set()

    def shut_down(self) -> None:
        """Stop the jobs and release the lease (a no-op once stopped)."""
        if self.state != WorkerState.STOPPED:
            self._release(WorkerState.STOPPED)

    def _give_up(self) -> None:
        self._release(WorkerState.STANDBY)

    def _release(self, state: WorkerState) -> None:
        held = self.state == WorkerState.ACTIVE
        self._deactivate(state)
        if held and self._try(lambda: self.lease.release() or True):
            log.info("worker lease released")

    def _activate(self) -> None:
        # The jobs start in their own thread: starting Meilisearch or signing an old node's items may take longer
        # than a lease period, and meanwhile this thread must go on renewing the lease.
        WORKER_TRANSITIONS.move(self, WorkerState.ACTIVE)
        log.info("holding the worker lease: starting the background jobs")
        self.deactivated = threading.Event()
        self.starting = threading.Event()
        threading.Thread(target=self._run_jobs, args=(self.deactivated, self.starting), name="worker-jobs",
                         daemon=True).start()

    def _run_jobs(self, deactivated: threading.Event, started: threading.Event) -> None:
        try:
            self._start_jobs()
        finally:
            started.set()
        # The managed Meilisearch is killed when the thread that started it ends (PR_SET_PDEATHSIG, so that it
        # never outlives a crashed worker): this thread lives until the jobs stop.
        deactivated.wait()

    def _start_jobs(self) -> None:
        with self.jobs_lock:
            if self.state != WorkerState.ACTIVE:  # the lease was lost before the start began
                return
            try:
                self.search = search_runtime.start_search(self.config.home, self.config.search)
                process = open_process(self.config, self.search.index)
                prepare_federation(process)
                self.jobs = start_jobs(process, self.search, self.holds_lease)
            except Exception:  # noqa: BLE001 - logged; the lease is given up so that another worker can try
                log.exception("the background jobs did not start")
                self.start_failed = True

    def holds_lease(self) -> bool:
        """Whether this worker is active with a lease that has not run out by its clock (asked by running pulls)."""
        return self.state == WorkerState.ACTIVE and not self.lease.expired()

    def wait_started(self, timeout: float | None = None) -> None:
        """Wait until jobs being started are running (or failed to start)."""
        if self.starting is not None:
            self.starting.wait(timeout)

    def _deactivate(self, state: WorkerState) -> None:
        # The state first, so that a start not yet begun does not begin; then wait for one under way to finish.
        WORKER_TRANSITIONS.move(self, state)
        self.deactivated.set()
        with self.jobs_lock:
            if self.jobs is not None:
                self.jobs.stop()
                self.jobs = None
            if self.search is not None:
                search_runtime.stop_search(self.search)
                self.search = None
            self.start_failed = False


def background_worker(config: NodeConfig) -> BackgroundWorker:
    """A standby worker for this node, with its own connection for the lease."""
    if ensure_node_key(config.keys_dir):  # a node that predates federation
        log.info("created a node key in %s", config.keys_dir)
    sessions = make_sessionmaker(make_engine(config.database_url))
    lease = Lease(sessions, Holder.this_process(), timedelta(seconds=config.worker_lease_seconds))
    return BackgroundWorker(config, lease)


def run_worker(config: NodeConfig) -> None:
    """`vidensnet worker`: standby until this process holds the lease, then the jobs; SIGTERM ends it cleanly."""
    configure_diagnostics()
    worker = background_worker(config)
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: worker.stop())
    worker.run()
    log.info("background worker stopped")
