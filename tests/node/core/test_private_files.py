"""Private files and directories: 0700 and 0600 whatever the umask, also for ones that existed with wider modes."""

from __future__ import annotations

import os

import pytest

from node.core.db import make_engine
from node.core.private_files import open_private_log, private_dir, private_file, write_private_text


@pytest.fixture
def umask_022():
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def mode(path) -> int:
    return path.stat().st_mode & 0o777


def test_private_dir_and_files_are_0700_and_0600_under_umask_022(tmp_path, umask_022):
    directory = private_dir(tmp_path / "a" / "b")
    write_private_text(directory / "note.txt", "hemmelig")
    with open_private_log(directory / "meilisearch.log") as log:
        log.write("linje\n")
    assert [mode(directory), mode(directory / "note.txt"), mode(directory / "meilisearch.log")] == \
        [0o700, 0o600, 0o600]
    assert (directory / "note.txt").read_text(encoding="utf-8") == "hemmelig"


def test_existing_world_readable_file_and_directory_are_made_private(tmp_path, umask_022):
    (tmp_path / "open").mkdir(mode=0o755)
    (tmp_path / "open" / "old.txt").write_text("x", encoding="utf-8")
    os.chmod(tmp_path / "open" / "old.txt", 0o644)
    private_dir(tmp_path / "open")
    private_file(tmp_path / "open" / "old.txt")
    assert (mode(tmp_path / "open"), mode(tmp_path / "open" / "old.txt")) == (0o700, 0o600)
    assert (tmp_path / "open" / "old.txt").read_text(encoding="utf-8") == "x"


def test_sqlite_database_and_its_wal_and_shm_files_are_0600_under_umask_022(tmp_path, umask_022):
    engine = make_engine(f"sqlite:///{tmp_path / 'vidensnet.db'}")
    with engine.connect() as connection:
        connection.exec_driver_sql("CREATE TABLE t (x)")
        connection.exec_driver_sql("INSERT INTO t VALUES (1)")
        connection.commit()
        files = {p.name: mode(p) for p in tmp_path.iterdir()}
    engine.dispose()
    assert files == {"vidensnet.db": 0o600, "vidensnet.db-wal": 0o600, "vidensnet.db-shm": 0o600}
