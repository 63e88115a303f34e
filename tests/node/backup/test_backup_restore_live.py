"""`vidensnet backup` of a publishing node, and `vidensnet restore` into a fresh home whose node holds it all."""

from __future__ import annotations

import io
import re
import sqlite3
import stat
import tarfile
import threading

import requests

from tests.helpers.live_nodes import HTTP_TIMEOUT, LIVE_NODE_ENV, ChildNode, LiveNode, vidensnet


def _post_until(node: LiveNode, stop: threading.Event, created: list[str]) -> None:
    headers = {"Authorization": f"Bearer {node.token}"}
    n = 0
    while not stop.is_set():
        n += 1
        draft = {"type": "method", "title": f"Metode skrevet under backuppen {n}", "summary": "Skrevet undervejs."}
        response = requests.post(node.url + "/api/v1/items", json=draft, headers=headers, timeout=HTTP_TIMEOUT)
        assert response.status_code == 201, response.text
        created.append(response.json()["id"])


def _backup_while_posting(node: LiveNode, target) -> tuple[list[str], list[str]]:
    """Items whose POST had answered before the backup began, and all items posted."""
    created: list[str] = []
    stop = threading.Event()
    writer = threading.Thread(target=_post_until, args=(node, stop, created))
    writer.start()
    try:
        while len(created) < 5:
            stop.wait(0.05)
        before = list(created)
        node.cli("backup", str(target))
        while len(created) < len(before) + 10:  # the writer kept writing after the backup too
            stop.wait(0.05)
    finally:
        stop.set()
        writer.join()
    return before, created


def _ids_in_backup(target, tmp_path) -> set[str]:
    with tarfile.open(target) as tar:
        (tmp_path / "copy.db").write_bytes(tar.extractfile("database/vidensnet.db").read())
    with sqlite3.connect(tmp_path / "copy.db") as db:
        return {row[0] for row in db.execute("SELECT id FROM items")}


def test_a_backup_taken_while_the_node_publishes_restores_into_a_node_that_holds_every_item_of_it(tmp_path):
    node = LiveNode(tmp_path / "aarhus", "Aarhus Kommune", "municipality", municipality="0751")
    node.start()
    try:
        before, created = _backup_while_posting(node, tmp_path / "aarhus.backup")
    finally:
        node.stop()
    backed_up = _ids_in_backup(tmp_path / "aarhus.backup", tmp_path)
    assert set(before) <= backed_up and backed_up < set(created)
    assert stat.S_IMODE((tmp_path / "aarhus.backup").stat().st_mode) == 0o600

    restored = ChildNode(tmp_path / "restored", port=node.port, env=LIVE_NODE_ENV, ready_path="/")
    out = restored.cli("restore", str(tmp_path / "aarhus.backup"))
    assert "Gendannede 'aarhus-kommune'" in out.stdout
    assert stat.S_IMODE((restored.home / "keys").stat().st_mode) == 0o700
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in (restored.home / "keys").iterdir())
    restored.start()
    try:
        node.url = restored.url
        held = {i for i in backed_up if node.item(i) is not None}
    finally:
        restored.stop()
    assert held == backed_up


def test_restore_refuses_a_home_that_holds_a_node_and_names_why(tmp_path):
    node = LiveNode(tmp_path / "aarhus", "Aarhus Kommune", "municipality", municipality="0751")
    node.cli("backup", str(tmp_path / "b"))
    refused = node.cli("restore", str(tmp_path / "b"), check=False)
    assert refused.returncode != 0 and "already holds a node (node.json)" in refused.stderr


def test_restore_refuses_an_altered_backup_before_it_writes_anything(tmp_path):
    node = LiveNode(tmp_path / "aarhus", "Aarhus Kommune", "municipality", municipality="0751")
    node.cli("backup", str(tmp_path / "b"))
    _rewrite_backup(tmp_path / "b", "home/node.json", lambda data: data.replace(b"Aarhus", b"Aarhuz"), resize=False)
    refused = vidensnet(tmp_path / "fresh", "restore", str(tmp_path / "b"), check=False)
    assert refused.returncode != 0 and "checksum mismatch for home/node.json" in refused.stderr
    assert not (tmp_path / "fresh" / "node.json").exists() and not (tmp_path / "fresh" / "vidensnet.db").exists()


def test_a_restore_starts_a_new_feed_epoch_and_an_empty_issued_mark(tmp_path):
    node = LiveNode(tmp_path / "aarhus", "Aarhus Kommune", "municipality", municipality="0751")
    node.cli("backup", str(tmp_path / "b"))
    with sqlite3.connect(node.home / "vidensnet.db") as db:
        (old,) = db.execute("SELECT epoch FROM feed_epoch").fetchone()
    vidensnet(tmp_path / "fresh", "restore", str(tmp_path / "b"))
    with sqlite3.connect(tmp_path / "fresh" / "vidensnet.db") as db:
        (new,) = db.execute("SELECT epoch FROM feed_epoch").fetchone()
    assert new != old
    assert f'"epoch": "{new}"' in (tmp_path / "fresh" / "feed-mark.json").read_text()


def test_restore_refuses_a_backup_from_a_newer_release_whose_schema_it_does_not_know(tmp_path):
    node = LiveNode(tmp_path / "aarhus", "Aarhus Kommune", "municipality", municipality="0751")
    node.cli("backup", str(tmp_path / "b"))
    _rewrite_backup(tmp_path / "b", "manifest.json",
                    lambda data: re.sub(rb'"schema_revision": "\d+"', b'"schema_revision": "9999"', data))
    refused = vidensnet(tmp_path / "fresh", "restore", str(tmp_path / "b"), check=False)
    assert refused.returncode != 0 and "schema revision 9999 is unknown to this release" in refused.stderr
    assert not (tmp_path / "fresh" / "vidensnet.db").exists()


def _rewrite_backup(path, name: str, change, resize: bool = True) -> None:
    """Rewrite one member of a backup file in place, as someone altering it would; `resize=False` keeps its size."""
    with tarfile.open(path) as tar:
        members = [(m, tar.extractfile(m).read()) for m in tar]
    with tarfile.open(path, "w:gz") as tar:
        for member, data in members:
            if member.name == name:
                data = change(data)
                member.size = len(data) if resize else member.size
            tar.addfile(member, io.BytesIO(data))
