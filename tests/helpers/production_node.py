"""A node as production runs it: PostgreSQL, an external Meilisearch, `serve` processes behind nginx, `worker`s.

Built on the live-node harness (tests/helpers/live_nodes.py): the node is a LiveNode whose public URL is
nginx's, and each of its processes is a ServeProcess or WorkerProcess (tests/helpers/node_processes.py): a
ChildNode on the same data directory and environment, running `vidensnet serve` or `vidensnet worker`.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

from sqlalchemy import create_engine, text

from tests.helpers.live_nodes import ChildNode, LiveNode, free_port, stop_all, wait_for
from tests.helpers.node_processes import ServeProcess, WorkerProcess

# A short lease, so that a standby takes over within seconds (production's default is 15 s).
LEASE_SECONDS = 2


class NodeProcesses:
    """The serve and worker processes of one node's data directory and database (`env`)."""

    def __init__(self, home: Path, env: dict[str, str], serve_ports: list[int], web_workers: int, workers: int):
        self.serves = [ServeProcess(home, env, web_workers, port) for port in serve_ports]
        self.workers = [WorkerProcess(home, env, n) for n in range(workers)]
        self.database = create_engine(env["VIDENSNET_DATABASE_URL"], pool_pre_ping=True)

    @property
    def all(self) -> list[ChildNode]:
        return [*self.serves, *self.workers]

    def start(self) -> None:
        """Start every process; returns when each serve process answers."""
        for process in self.all:
            process.launch()
        for serve in self.serves:
            serve.wait_until_serving()

    def stop(self) -> None:
        stop_all(self.all)
        self.database.dispose()

    def sql(self, statement: str, **params) -> list[tuple]:
        """Rows from the node's PostgreSQL database."""
        with self.database.connect() as connection:
            return [tuple(row) for row in connection.execute(text(statement), params)]

    def active_worker(self, timeout: float = 8 * LEASE_SECONDS + 30) -> WorkerProcess:
        """The worker process that holds an unexpired lease (waits until one does)."""
        def holder() -> WorkerProcess | None:
            # The lease stores naive UTC (node.core.timestamps.UTCDateTime); compared on the server's clock.
            pids = {row[0] for row in self.sql("SELECT holder_pid FROM worker_lease WHERE state = 'held' "
                                               "AND expires_at > (now() AT TIME ZONE 'UTC')")}
            return next((w for w in self.workers if w.running and w.proc.pid in pids), None)
        return wait_for(holder, timeout=timeout, interval=0.2, message="a worker holding the lease")


def kill_9(process: ChildNode) -> None:
    """SIGKILL, as a crash or the OOM killer would: a worker's lease is left to expire, never released."""
    os.kill(process.proc.pid, signal.SIGKILL)
    process.proc.wait(timeout=10)


class ProductionNode(LiveNode):
    """The node, initialised and migrated on `env`'s database; started, its serve and worker processes run."""

    def __init__(self, home: Path, name: str, kind: str, *, env: dict[str, str], url: str, verify: str,
                 serves: int = 2, web_workers: int = 2, workers: int = 2, **where: str):
        super().__init__(home, name, kind, env={**production_env(), **env}, url=url, verify=verify, **where)
        self.cli("migrate")  # serve and worker never migrate: they refuse a schema not at head
        self.processes = NodeProcesses(self.home, self.env, [free_port() for _ in range(serves)], web_workers,
                                       workers)

    @property
    def running(self) -> bool:
        return any(process.running for process in self.processes.all)

    def start(self) -> None:
        self.processes.start()

    def stop(self) -> None:
        self.processes.stop()


def production_env() -> dict[str, str]:
    """What every process of a production node gets besides its database and search: a short lease, JSON logs."""
    return {"VIDENSNET_WORKER_LEASE_SECONDS": str(LEASE_SECONDS), "VIDENSNET_LOG_FORMAT": "json",
            "VIDENSNET_TRUSTED_PROXIES": "1"}
