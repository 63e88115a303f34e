"""A throwaway PostgreSQL cluster on 127.0.0.1 from the server binaries Debian installs."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text

from tests.helpers.live_nodes import free_port


class PostgreSQLServer:
    """Creates a fresh, empty database per test on one PostgreSQL server."""

    def __init__(self, base_url: str):
        self.base_url = base_url.rstrip("/")
        self.count = 0

    def new_database(self) -> str:
        """The URL of a newly created empty database."""
        self.count += 1
        name = f"vidensnet_test_{os.getpid()}_{self.count}"
        engine = create_engine(f"{self.base_url}/postgres", isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        engine.dispose()
        return f"{self.base_url}/{name}"


def postgresql_bindir() -> Path | None:
    """The newest installed PostgreSQL's bin directory, or None when there is none."""
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), reverse=True)
    return candidates[0].parent if candidates else None


class ThrowawayCluster:
    """A new cluster in a temporary directory on a free port, run as `postgres` when the tests run as root."""

    def __init__(self, bindir: Path):
        self.bindir = bindir
        self.dir = Path(tempfile.mkdtemp(prefix="vidensnet-pg-"))
        self.port = free_port()
        self.base_url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}"
        self._as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self._as_postgres:
            shutil.chown(self.dir, "postgres", "postgres")
        self._run("initdb", "-D", str(self.dir / "data"), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                  "--no-locale")

    def start(self) -> None:
        """Start the server and wait until it accepts connections (pg_ctl -w)."""
        self._run("pg_ctl", "-D", str(self.dir / "data"), "-w", "-l", str(self.dir / "log"), "-o",
                  f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off", "start")

    def stop(self, mode: str = "fast", check: bool = True) -> None:
        """Stop the server: `fast` ends the sessions and shuts down cleanly, `immediate` as a crash would."""
        self._run("pg_ctl", "-D", str(self.dir / "data"), "-w", "-m", mode, "stop", check=check)

    def remove(self) -> None:
        self.stop("immediate", check=False)
        shutil.rmtree(self.dir, ignore_errors=True)

    def _run(self, tool: str, *args: str, check: bool = True) -> None:
        subprocess.run([*self._as_postgres, str(self.bindir / tool), *args], check=check, capture_output=True)


@contextmanager
def throwaway_cluster(bindir: Path):
    """A new cluster in a temporary directory, served on a free port; yields its base URL, then is removed."""
    cluster = ThrowawayCluster(bindir)
    try:
        cluster.start()
        yield cluster.base_url
    finally:
        cluster.remove()
