"""A node's long-running processes besides `vidensnet run`: `serve` and `worker`, as ChildNodes on its home.

Each is a ChildNode (deploy/local_federation.py) on the node's data directory whose serve_command is
`serve` or `worker`, writing to a log of its own there; lease_row reads what the workers contend for.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.helpers.live_nodes import ChildNode


class ServeProcess(ChildNode):
    """`vidensnet serve --workers N` on its own port; it counts as started when /healthz answers there."""

    def __init__(self, home: Path, env: dict[str, str], web_workers: int, port: int | None = None):
        super().__init__(home, env=env, port=port, ready_path="/healthz")
        self.log_name = f"serve-{self.port}.log"
        self.web_workers = web_workers

    def serve_command(self) -> list[str]:
        return ["serve", "--host", "127.0.0.1", "--port", str(self.port), "--workers", str(self.web_workers)]


class WorkerProcess(ChildNode):
    """`vidensnet worker`: the node's background jobs while it holds the lease, a standby otherwise."""

    def __init__(self, home: Path, env: dict[str, str], number: int):
        super().__init__(home, env=env)
        # A log per number: ChildNode appends, so a worker numbered as an earlier one would read its lines too.
        self.log_name = f"worker-{number}.log"

    def serve_command(self) -> list[str]:
        return ["worker"]

    def start(self) -> None:
        self.launch()  # it serves no HTTP; the lease shows when it works (lease_row, NodeProcesses.active_worker)


def whole_log(process: ChildNode) -> str:
    """Everything the process's log holds, not only the tail ChildNode.log() shows."""
    return process.log_path.read_text(encoding="utf-8", errors="replace")


def lease_row(home: Path) -> dict:
    """The worker lease row of the SQLite node in `home`."""
    with sqlite3.connect(home / "vidensnet.db") as db:
        db.row_factory = sqlite3.Row
        return dict(db.execute("SELECT * FROM worker_lease").fetchone())
