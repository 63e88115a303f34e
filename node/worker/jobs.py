"""The node's background jobs (housekeeping, federation, external feeds, the search outbox) on one scheduler.

Shared by `vidensnet worker` and `vidensnet run`; only the holder of the worker lease starts them
(node/worker/lease.py), because APScheduler's schedulers must never share work on one database.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from apscheduler.schedulers.background import BackgroundScheduler

from federation import scheduling as federation_scheduling
from federation.changes import fill_missing_digests, sign_unsigned_items
from federation.epoch import check_restored
from node import housekeeping
from node.process import NodeProcess
from node.subscriptions import service as subscriptions
from search import runtime as search_runtime

# How often the scheduler looks for due peers and local changes to announce;
# each peer is pulled only every VIDENSNET_PULL_SECONDS (or sooner when notified).
FEDERATION_TICK_SECONDS = 2
# Index updates are applied this often; they wait in the outbox in between (and during outages).
SEARCH_TICK_SECONDS = 0.5
# How often the scheduler looks for subscribed feeds that are due: a new subscription or "Opdatér nu" is
# fetched within this; each is fetched again only every VIDENSNET_FEED_REFRESH_SECONDS (later while it backs off).
FEED_TICK_SECONDS = 2


@dataclass
class RunningJobs:
    """The scheduler of a worker holding the lease, and the federation cycle whose pulls it starts."""

    scheduler: BackgroundScheduler
    federation: federation_scheduling.FederationCycle

    def stop(self) -> None:
        """Stop at once: no new job runs; pulls not yet started are cancelled."""
        self.scheduler.shutdown(wait=False)
        self.federation.workers.shutdown(wait=False, cancel_futures=True)


def start_jobs(process: NodeProcess, search: search_runtime.SearchRuntime,
               holds_lease: Callable[[], bool] = lambda: True) -> RunningJobs:
    """Start the background jobs of a node: housekeeping, federation, feeds and the search outbox."""
    config, sessions, by = process.config, process.sessions, process.acting()
    cycle = federation_scheduling.FederationCycle(sessions, process.local, config.pull_interval_seconds,
                                                  holds_lease=holds_lease)
    scheduler = BackgroundScheduler(timezone="UTC")
    scheduler.add_job(housekeeping.run_cycle, "interval", seconds=config.housekeeping_seconds,
                      args=[sessions, by, config.tombstone_days, config.accounts, config.audit_retention_days],
                      id="housekeeping", max_instances=1, coalesce=True)
    scheduler.add_job(federation_scheduling.run_cycle, "interval", seconds=FEDERATION_TICK_SECONDS,
                      args=[cycle], id="federation", max_instances=1, coalesce=True)
    scheduler.add_job(subscriptions.run_cycle, "interval", seconds=FEED_TICK_SECONDS,
                      args=[sessions, by, config.feeds], id="feeds", max_instances=1, coalesce=True)
    scheduler.add_job(search_runtime.run_cycle, "interval", seconds=SEARCH_TICK_SECONDS,
                      args=[search, sessions], id="search", max_instances=1, coalesce=True)
    scheduler.start()
    return RunningJobs(scheduler, cycle)


def prepare_federation(process: NodeProcess) -> None:
    """Sign the published items of a node that predates federation into the changes feed; check the feed's epoch.

    Rows from before payload digests were kept get theirs; a database restored from an older copy
    starts a new feed epoch, so that peers read its feed again (federation/epoch.py).
    """
    with process.sessions.begin() as session:
        check_restored(session, process.config.home)
    while True:
        with process.sessions.begin() as session:
            if not fill_missing_digests(session):
                break
    with process.sessions.begin() as session:
        signed = sign_unsigned_items(session, process.local.id, process.local.key)
    if signed:
        logging.getLogger("vidensnet").info("signed %d published item(s) into the changes feed", signed)
