"""`vidensnet run`: migrate, start the scheduler and serve the app with waitress."""

from __future__ import annotations

import logging

from apscheduler.schedulers.background import BackgroundScheduler
from waitress import serve

from node import housekeeping
from node.app import create_app
from node.config import NodeConfig
from node.db import make_engine, make_sessionmaker, upgrade_database

HOUSEKEEPING_SECONDS = 60


def start_scheduler(config: NodeConfig) -> BackgroundScheduler:
    """Start the background jobs of a running node."""
    sessions = make_sessionmaker(make_engine(config.database_url))
    scheduler = BackgroundScheduler(timezone="UTC")
    scheduler.add_job(
        housekeeping.run_cycle, "interval", seconds=HOUSEKEEPING_SECONDS, args=[sessions],
        id="housekeeping", max_instances=1, coalesce=True,
    )
    scheduler.start()
    return scheduler


def run_node(config: NodeConfig, host: str, port: int, threads: int = 8) -> None:
    """Serve the node until interrupted."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    upgrade_database(config.database_url)
    housekeeping.run_cycle(make_sessionmaker(make_engine(config.database_url)))
    scheduler = start_scheduler(config)
    try:
        logging.getLogger("vidensnet").info("serving %s on http://%s:%d", config.node.name, host, port)
        serve(create_app(config), host=host, port=port, threads=threads, ident="vidensnet")
    finally:
        scheduler.shutdown(wait=False)
