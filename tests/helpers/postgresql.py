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


@contextmanager
def throwaway_cluster(bindir: Path):
    """A new cluster in a temporary directory, served on a free port; yields its base URL, then is removed."""
    datadir = Path(tempfile.mkdtemp(prefix="vidensnet-pg-"))
    port = free_port()
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if as_postgres:
        shutil.chown(datadir, "postgres", "postgres")
    subprocess.run([*as_postgres, str(bindir / "initdb"), "-D", str(datadir / "data"), "-U", "postgres",
                    "--auth=trust", "-E", "UTF8", "--no-locale"], check=True, capture_output=True)
    subprocess.run([*as_postgres, str(bindir / "pg_ctl"), "-D", str(datadir / "data"), "-w", "-l", str(datadir / "log"),
                    "-o", f"-p {port} -k {datadir} -c listen_addresses=127.0.0.1 -c fsync=off", "start"],
                   check=True, capture_output=True)
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}"
    finally:
        subprocess.run([*as_postgres, str(bindir / "pg_ctl"), "-D", str(datadir / "data"), "-m", "immediate", "stop"],
                       capture_output=True)
        shutil.rmtree(datadir, ignore_errors=True)
