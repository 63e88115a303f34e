"""Backup with `pg_dump` and restore with `pg_restore` on a real PostgreSQL server (Debian's binaries)."""

from __future__ import annotations

import tarfile

from sqlalchemy import create_engine, text

from tests.helpers.live_nodes import vidensnet, write_items


def _rows(url: str, sql: str) -> list[tuple]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(text(sql))]
    finally:
        engine.dispose()


def test_a_postgresql_node_backs_up_and_restores_into_an_empty_database_with_its_items_and_a_new_epoch(
        tmp_path, monkeypatch, postgresql_server):
    first, second = postgresql_server.new_database(), postgresql_server.new_database()
    monkeypatch.setenv("VIDENSNET_DATABASE_URL", first)
    vidensnet(tmp_path / "a", "init", "--name", "Aarhus Kommune", "--kind", "municipality",
              "--url", "http://127.0.0.1:1", "--municipality", "0751")
    items = write_items(tmp_path / "i.jsonl", *[{"id": f"m-{n}", "type": "method", "title": f"Metode {n} om unge",
                                                 "summary": "En metode.", "audience": "public"} for n in range(3)])
    vidensnet(tmp_path / "a", "import", str(items))
    vidensnet(tmp_path / "a", "backup", str(tmp_path / "pg.backup"))
    with tarfile.open(tmp_path / "pg.backup") as tar:
        assert "database/vidensnet.pgdump" in tar.getnames()

    refused = vidensnet(tmp_path / "b", "restore", str(tmp_path / "pg.backup"), check=False)
    assert refused.returncode != 0 and "the database already holds tables" in refused.stderr

    monkeypatch.setenv("VIDENSNET_DATABASE_URL", second)
    vidensnet(tmp_path / "b", "restore", str(tmp_path / "pg.backup"))
    assert _rows(second, "SELECT id FROM items ORDER BY id") == _rows(first, "SELECT id FROM items ORDER BY id")
    assert len(_rows(second, "SELECT id FROM items")) == 3
    assert _rows(second, "SELECT epoch FROM feed_epoch") != _rows(first, "SELECT epoch FROM feed_epoch")
    assert "3 emner" in vidensnet(tmp_path / "b", "export").stderr
