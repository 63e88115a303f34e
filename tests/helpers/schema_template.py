"""A node database at the newest schema, migrated once per test session and copied for each fresh node.

Running every migration on a new SQLite file takes about a second, and some 700 tests start from a
fresh node: copying one migrated file instead saves more than ten minutes of the suite. The copy is
SQLite's own online backup, so it is the migrated database page for page (WAL mode included). The
migrations themselves run for real in tests/node/core/test_migrations.py and wherever a test calls
upgrade_database; PostgreSQL databases are always migrated.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from node.core.db import upgrade_database
from node.core.private_files import FILE_MODE

SQLITE = "sqlite:///"


class SchemaTemplate:
    """One migrated SQLite file (made on first use) that fresh node databases are copied from."""

    def __init__(self, directory: Path):
        self.path = directory / "template.db"

    def migrate(self, url: str) -> None:
        """Bring the database at `url` to the newest schema: a copy of the template for a new SQLite file."""
        target = Path(url.removeprefix(SQLITE))
        if not url.startswith(SQLITE) or target.exists():
            upgrade_database(url)
            return
        if not self.path.exists():
            upgrade_database(SQLITE + str(self.path))
        with sqlite3.connect(self.path) as source, sqlite3.connect(target) as copy:
            source.backup(copy)
        source.close()
        copy.close()
        target.chmod(FILE_MODE)
