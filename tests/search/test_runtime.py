"""A node's own Meilisearch: started under the data directory, restarted when it dies, key kept private."""

from __future__ import annotations

import json

from node.item_files import import_items
from search import runtime
from search.indexer import queued_count
from tests.conftest import publisher


def test_managed_meilisearch_is_restarted_after_it_dies_and_the_outbox_drains(node_home, sessions, monkeypatch):
    monkeypatch.delenv("VIDENSNET_MEILISEARCH_URL", raising=False)
    search = runtime.start_search(node_home)
    try:
        assert search.process is not None and search.process.url.startswith("http://127.0.0.1:")
        key_file = node_home / "meilisearch" / "master.key"
        assert key_file.stat().st_mode & 0o777 == 0o600
        search.process.process.kill()
        search.process.process.wait()
        with sessions.begin() as session:
            import_items(session, publisher(), [json.dumps({"id": "efter-nedbrud", "type": "method", "title": "Efter nedbrud",
                                                            "summary": "x", "audience": "public"})])
        assert runtime.run_cycle(search, sessions) == 1  # restarted, configured and drained in one tick
        with sessions() as session:
            assert queued_count(session) == 0
        assert search.index.search("nedbrud", {})["hits"][0]["id"] == "aarhus-kommune:efter-nedbrud"
    finally:
        runtime.stop_search(search)
    assert search.process.process.poll() is not None


def test_configured_meilisearch_url_is_used_instead_of_starting_one(node_home, monkeypatch):
    monkeypatch.setenv("VIDENSNET_MEILISEARCH_URL", "http://127.0.0.1:7700")
    monkeypatch.setenv("VIDENSNET_MEILISEARCH_KEY", "production-key")
    search = runtime.start_search(node_home)
    assert search.process is None and (search.index.url, search.index.api_key) == ("http://127.0.0.1:7700", "production-key")


def test_missing_binary_means_degraded_search_not_a_failed_node(node_home, monkeypatch):
    monkeypatch.delenv("VIDENSNET_MEILISEARCH_URL", raising=False)
    monkeypatch.setenv("VIDENSNET_MEILISEARCH_BIN", str(node_home / "no-such-binary"))
    search = runtime.start_search(node_home)
    assert search.index is None and runtime.run_cycle(search, None) == 0
