"""The data directory is private (0700 directories, 0600 files) whatever the umask of whoever starts the node.

The CLI sets umask 077 itself, so these tests set a node up and run it in-process the way `vidensnet run`
does (migrate, key, managed Meilisearch, federation start-up, web app), as a WSGI server or a test would,
under umask 022, and with a real node process started with umask 022 too.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import requests

from federation.identity import ensure_node_key
from node.core.config import NodeSettings, load_config, write_settings
from node.core.db import upgrade_database
from node.items.files import import_items
from node.process import open_process
from node.web.app import create_app
from node.worker.jobs import prepare_federation
from search import runtime as search_runtime
from tests.helpers.live_nodes import HTTP_TIMEOUT, LiveNode, queued_index_updates, wait_for, write_items
from tests.helpers.nodes import NODE_ID


@pytest.fixture
def umask_022():
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def readable_by_others(home: Path) -> dict[str, str]:
    """Every path under the home (the home included) that its group or others may use, with its mode."""
    return {str(p.relative_to(home.parent)): oct(p.stat().st_mode & 0o777)
            for p in [home, *home.rglob("*")] if not p.is_symlink() and p.stat().st_mode & 0o077}


def method(n: int) -> dict:
    return {"id": f"metode-{n}", "type": "method", "title": f"Metode nummer {n}", "summary": "Om forebyggelse.",
            "audience": "public"}


def test_a_node_run_in_process_under_umask_022_creates_nothing_its_group_or_others_can_read(tmp_path, umask_022):
    home = tmp_path / "node"
    write_settings(home, NodeSettings(NODE_ID, "Aarhus Kommune", "municipality", "http://127.0.0.1:8080", "0751"))
    config = load_config(home)
    upgrade_database(config.database_url)
    ensure_node_key(config.keys_dir)
    search = search_runtime.start_search(config.home, config.search)
    try:
        assert search.process is not None, "the managed Meilisearch did not start"
        process = open_process(config, search.index)
        prepare_federation(process)
        with process.sessions.begin() as session:
            import_items(session, process.acting(), [json.dumps(method(n)) for n in range(20)])
        wait_for(lambda: search_runtime.run_cycle(search, process.sessions) == 0
                 and queued_index_updates(home) == 0, timeout=60, message="the index to take in the import")
        assert create_app(process=process).test_client().get("/").status_code == 200
    finally:
        search_runtime.stop_search(search)
    assert (home / "meilisearch" / "data.ms").is_dir() and (home / "vidensnet.db-wal").exists()
    assert readable_by_others(home) == {}


def test_a_node_process_started_with_umask_022_keeps_its_data_directory_private(tmp_path, umask_022):
    node = LiveNode(tmp_path / "aarhus", "Aarhus Kommune", "municipality", municipality="0751")
    node.publish(write_items(tmp_path / "items.jsonl", *[method(n) for n in range(20)]))
    node.start()
    try:
        wait_for(lambda: queued_index_updates(node.home) == 0, timeout=60, message="the first indexing run")
        assert requests.get(node.url + "/sog?q=metode", timeout=HTTP_TIMEOUT).status_code == 200
    finally:
        node.stop()
    # run.log is the test harness's own file (the node's output, written by this process), not the node's.
    found = readable_by_others(node.home)
    assert {k: v for k, v in found.items() if Path(k).name != node.log_path.name} == {}
