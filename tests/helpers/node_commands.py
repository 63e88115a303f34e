"""Long-running `vidensnet` commands other than `run` (`worker`, `serve`) as child processes of a test.

Each writes its output to its own log in the node's data directory; stopping is SIGTERM (then SIGKILL if it
does not stop in time), killing is SIGKILL, as a crash would be.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from deploy.local_federation import REPO, STOP_SECONDS


class NodeCommand:
    """One `vidensnet --home <home> <args>` process."""

    def __init__(self, home: Path, *args: str, name: str, env: dict[str, str] | None = None):
        self.home, self.args, self.log_path = Path(home), args, Path(home) / f"{name}.log"
        environment = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
        self._log = self.log_path.open("w")  # this run's output only, even where an earlier one wrote
        self.proc = subprocess.Popen([sys.executable, "-m", "node", "--home", str(self.home), *args],
                                     stdout=self._log, stderr=subprocess.STDOUT, env=environment, cwd=REPO)

    @property
    def pid(self) -> int:
        return self.proc.pid

    @property
    def running(self) -> bool:
        return self.proc.poll() is None

    def log(self) -> str:
        """The command's whole output so far."""
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> int:
        """SIGTERM, and SIGKILL if it has not ended within STOP_SECONDS; returns its exit code."""
        if self.running:
            self.proc.terminate()
        return self._reap()

    def kill(self) -> None:
        """SIGKILL at once."""
        if self.running:
            self.proc.kill()
        self._reap()

    def _reap(self) -> int:
        try:
            self.proc.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=STOP_SECONDS)
        self._log.close()
        return self.proc.returncode


def lease_row(home: Path) -> dict:
    """The worker lease row of the SQLite node in `home`."""
    with sqlite3.connect(home / "vidensnet.db") as db:
        db.row_factory = sqlite3.Row
        return dict(db.execute("SELECT * FROM worker_lease").fetchone())


def stop_commands(*commands: NodeCommand | None) -> None:
    """SIGTERM to every command first (None: one not started), then wait for each."""
    commands = tuple(command for command in commands if command is not None)
    for command in commands:
        if command.running:
            command.proc.terminate()
    for command in commands:
        command.stop()
