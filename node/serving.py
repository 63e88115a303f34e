"""`vidensnet run`, the all-in-one for one machine: migrate, the background worker and the web app on waitress.

The worker part takes the same lease as `vidensnet worker` (node/worker/lease.py): when another
worker holds it, `run` serves the web and waits as a standby instead of running the jobs twice.
"""

from __future__ import annotations

import logging
import signal
import sys
import threading

from waitress import serve

from node.core.config import NodeConfig
from node.core.db import upgrade_database
from node.core.logs import configure_diagnostics
from node.process import open_process
from node.search_connection import web_search
from node.web.app import create_app
from node.worker.service import BackgroundWorker, WorkerState, background_worker

# How long `run` waits for its jobs (and managed Meilisearch) to start before it serves without them.
JOBS_START_SECONDS = 60


def run_node(config: NodeConfig, host: str, port: int, threads: int = 8) -> None:
    """Serve the node, running its background jobs while this process holds the worker lease, until interrupted."""
    configure_diagnostics()
    # SIGTERM (systemd, tests) ends the node like Ctrl+C, so the cleanup below runs.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    upgrade_database(config.database_url)
    worker = background_worker(config)
    keeper = _start_worker(worker)
    try:
        # Its own managed Meilisearch while this process holds the lease, another worker's while it waits.
        process = open_process(config, web_search(config.home, config.search))
        logging.getLogger("vidensnet").info("serving %s on http://%s:%d", config.node.name, host, port)
        # Waitress 3 drops every X-Forwarded-* header unless told otherwise: with trusted proxies, ProxyFix reads them.
        serve(create_app(process=process), host=host, port=port, threads=threads, ident="vidensnet",
              clear_untrusted_proxy_headers=not config.trusted_proxies)
    finally:
        worker.stop()
        keeper.join()


def _start_worker(worker: BackgroundWorker) -> threading.Thread:
    # The first try at the lease before the web starts: holding it, the web uses the search this process starts.
    worker.step()
    if worker.state == WorkerState.ACTIVE:
        worker.wait_started(JOBS_START_SECONDS)
    keeper = threading.Thread(target=worker.run, name="worker-lease", daemon=True)
    keeper.start()
    return keeper
