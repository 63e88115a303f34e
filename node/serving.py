"""`vidensnet run`: migrate, start the scheduler and serve the app with waitress."""

from __future__ import annotations

import faulthandler
import logging
import signal
import sys

from apscheduler.schedulers.background import BackgroundScheduler
from waitress import serve

from federation import scheduling as federation_scheduling
from federation.changes import fill_missing_digests, sign_unsigned_items
from federation.epoch import check_restored
from federation.identity import ensure_node_key
from node import housekeeping
from node.core.config import NodeConfig
from node.core.db import upgrade_database
from node.core.logs import configure_logging
from node.process import NodeProcess, open_process
from node.subscriptions import service as subscriptions
from node.web.app import create_app
from search import runtime as search_runtime

# How often the scheduler looks for due peers and local changes to announce;
# each peer is pulled only every VIDENSNET_PULL_SECONDS (or sooner when notified).
FEDERATION_TICK_SECONDS = 2
# Index updates are applied this often; they wait in the outbox in between (and during outages).
SEARCH_TICK_SECONDS = 0.5
# How often the scheduler looks for subscribed feeds that are due: a new subscription or "Opdatér nu" is
# fetched within this; each is fetched again only every VIDENSNET_FEED_REFRESH_SECONDS (later while it backs off).
FEED_TICK_SECONDS = 2


def start_scheduler(process: NodeProcess, search: search_runtime.SearchRuntime) -> BackgroundScheduler:
    """Start the background jobs of a running node: housekeeping, federation, feeds and the search outbox."""
    config, sessions, by = process.config, process.sessions, process.acting()
    cycle = federation_scheduling.FederationCycle(sessions, process.local, config.pull_interval_seconds)
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
    return scheduler


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


def run_node(config: NodeConfig, host: str, port: int, threads: int = 8) -> None:
    """Serve the node until interrupted."""
    configure_logging()
    # A crash in native code (SQLite, orjson, cryptography) then leaves every thread's traceback in the log;
    # SIGUSR1 prints them on demand, for a node that seems stuck.
    faulthandler.enable()
    faulthandler.register(signal.SIGUSR1)
    logging.getLogger("apscheduler").setLevel(logging.ERROR)  # "skipped: already running" is expected
    # SIGTERM (systemd, tests) ends the node like Ctrl+C, so the cleanup below runs.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    upgrade_database(config.database_url)
    if ensure_node_key(config.keys_dir):  # a node that predates federation
        logging.getLogger("vidensnet").info("created a node key in %s", config.keys_dir)
    search = search_runtime.start_search(config.home, config.search)
    process = open_process(config, search.index)
    prepare_federation(process)
    scheduler = start_scheduler(process, search)
    try:
        logging.getLogger("vidensnet").info("serving %s on http://%s:%d", config.node.name, host, port)
        # Waitress 3 drops every X-Forwarded-* header unless told otherwise: with trusted proxies, ProxyFix reads them.
        serve(create_app(process=process), host=host, port=port, threads=threads, ident="vidensnet",
              clear_untrusted_proxy_headers=not config.trusted_proxies)
    finally:
        scheduler.shutdown(wait=False)
        search_runtime.stop_search(search)
