"""Copying the node's database while it runs, and putting a copy into an empty database.

SQLite is copied with its online backup API (a consistent snapshot even while the node writes);
PostgreSQL with `pg_dump` in its custom format and back with `pg_restore`, the client tools Debian's
postgresql-client package installs (found on PATH or under /usr/lib/postgresql/*/bin).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from collections.abc import Callable
from pathlib import Path

from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect
from sqlalchemy.engine import URL, make_url

from node.core.private_files import private_file

SQLITE_FILE = "database/vidensnet.db"
PG_DUMP_FILE = "database/vidensnet.pgdump"


class DatabaseCopyError(Exception):
    """The database could not be copied or restored (a tool is missing or failed, or the target is not empty)."""


def database_kind(url: str) -> str:
    """'sqlite' or 'postgresql'."""
    name = make_url(url).get_backend_name()
    if name not in ("sqlite", "postgresql"):
        raise DatabaseCopyError(f"backups of {name} databases are not supported")
    return name


def schema_revision(url: str) -> str | None:
    """The Alembic revision the database is at."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()


def is_empty(url: str) -> bool:
    """Whether the database holds no tables (a fresh SQLite file or PostgreSQL database)."""
    if database_kind(url) == "sqlite":
        path = Path(make_url(url).database or "")
        if not path.exists() or path.stat().st_size == 0:
            return True
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return not inspect(conn).get_table_names()
    finally:
        engine.dispose()


def copy_out(url: str, staging: Path, progress: Callable[[int, int], None]) -> str:
    """Write a consistent copy of the database under `staging`; returns its member name."""
    if database_kind(url) == "sqlite":
        target = staging / SQLITE_FILE
        target.parent.mkdir(mode=0o700, exist_ok=True)
        source, copy = sqlite3.connect(make_url(url).database), sqlite3.connect(private_file(target))
        try:
            # Pages in steps, so a busy node's writers are not held up by one long copy.
            source.backup(copy, pages=1024, progress=lambda _status, left, total: progress(total - left, total))
        finally:
            copy.close()
            source.close()
        return SQLITE_FILE
    target = staging / PG_DUMP_FILE
    target.parent.mkdir(mode=0o700, exist_ok=True)
    private_file(target)
    _run_pg("pg_dump", url, "--format=custom", "--no-owner", "--no-privileges", f"--file={target}")
    return PG_DUMP_FILE


def copy_in(url: str, member: Path, kind: str) -> None:
    """Put the database copy from a backup into the (empty) database at `url`."""
    if kind != database_kind(url):
        raise DatabaseCopyError(f"the backup holds a {kind} database but this node is configured for "
                                f"{database_kind(url)} (VIDENSNET_DATABASE_URL)")
    if kind == "sqlite":
        target = Path(make_url(url).database)
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        shutil.copyfile(member, private_file(target))
        return
    _run_pg("pg_restore", url, "--no-owner", "--no-privileges", "--exit-on-error", str(member))


def _run_pg(tool: str, url: str, *args: str) -> None:
    parsed = make_url(url)
    env = dict(os.environ)
    if parsed.password:  # kept off the command line, where other local users could read it
        env["PGPASSWORD"] = str(parsed.password)
    libpq = URL.create("postgresql", parsed.username, None, parsed.host, parsed.port, parsed.database)
    result = subprocess.run([_pg_tool(tool), f"--dbname={libpq.render_as_string()}", *args],
                            env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise DatabaseCopyError(f"{tool} failed: {result.stderr.strip()}")


def _pg_tool(name: str) -> str:
    found = shutil.which(name) or next(iter(sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True)),
                                       None)
    if found is None:
        raise DatabaseCopyError(f"{name} not found: install Debian's postgresql-client")
    return str(found)
