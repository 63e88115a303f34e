"""A node's own Meilisearch: started under the data directory, restarted when it dies, key kept private."""

from __future__ import annotations

import json
from pathlib import Path

import requests

from node.core.config import load_search_settings
from node.items.files import import_items
from search import runtime
from search.index import SearchIndex
from search.indexer import drain_outbox, queued_count
from search.keys import scoped_index
from search.process import ManagedMeilisearch
from search.settings import SHAPE_MARKER, index_settings
from tests.helpers.nodes import acting_node


def test_managed_meilisearch_is_restarted_after_it_dies_and_the_outbox_drains(node_home, sessions, monkeypatch):
    monkeypatch.delenv("VIDENSNET_MEILISEARCH_URL", raising=False)
    search = runtime.start_search(node_home, load_search_settings())
    try:
        assert search.process is not None and search.process.url.startswith("http://127.0.0.1:")
        key_file = node_home / "meilisearch" / "master.key"
        assert key_file.stat().st_mode & 0o777 == 0o600
        scoped_key = search.index.api_key  # searching and indexing use the node's scoped key, not the master key
        assert scoped_key and scoped_key != search.process.master_key
        search.process.process.kill()
        search.process.process.wait()
        with sessions.begin() as session:
            item = {"id": "efter-nedbrud", "type": "method", "title": "Efter nedbrud", "summary": "x",
                    "audience": "public"}
            import_items(session, acting_node(), [json.dumps(item)])
        assert runtime.run_cycle(search, sessions) == 1  # restarted, configured and drained in one tick
        with sessions() as session:
            assert queued_count(session) == 0
        assert search.index.search("nedbrud", {})["hits"][0]["id"] == "aarhus-kommune:efter-nedbrud"
        assert search.index.api_key == scoped_key  # found again after the restart, not made anew
        web = scoped_index(node_home, load_search_settings())  # what a process that only searches uses
        assert (web.url, web.api_key, web.uid) == (search.index.url, scoped_key, search.index.uid)
    finally:
        runtime.stop_search(search)
    assert search.process.process.poll() is not None


def test_configured_meilisearch_url_is_used_instead_of_starting_one(node_home, monkeypatch):
    monkeypatch.setenv("VIDENSNET_MEILISEARCH_URL", "http://127.0.0.1:7700")
    monkeypatch.setenv("VIDENSNET_MEILISEARCH_KEY", "production-key")
    search = runtime.start_search(node_home, load_search_settings())
    assert search.process is None and (search.index.url, search.index.api_key) == (
        "http://127.0.0.1:7700", "production-key")


def test_an_external_meilisearch_unreachable_at_start_leaves_the_node_running_to_make_its_key_later(
        node_home, monkeypatch):
    monkeypatch.setenv("VIDENSNET_MEILISEARCH_URL", "http://127.0.0.1:9")  # nothing listens there
    monkeypatch.setenv("VIDENSNET_MEILISEARCH_MASTER_KEY", "master-key-of-the-server")
    monkeypatch.delenv("VIDENSNET_MEILISEARCH_KEY", raising=False)
    search = runtime.start_search(node_home, load_search_settings())
    assert search.issuer is not None and search.index.api_key == ""  # never the master key meanwhile
    assert runtime.run_cycle(search, None) == 0 and not search.ready  # tried again each cycle


def test_missing_binary_means_degraded_search_not_a_failed_node(node_home, monkeypatch):
    monkeypatch.delenv("VIDENSNET_MEILISEARCH_URL", raising=False)
    monkeypatch.setenv("VIDENSNET_MEILISEARCH_BIN", str(node_home / "no-such-binary"))
    search = runtime.start_search(node_home, load_search_settings())
    assert search.index is None and runtime.run_cycle(search, None) == 0


def test_managed_meilisearch_takes_a_key_starting_with_a_dash_and_keeps_it_off_the_command_line(tmp_path):
    # token_urlsafe gives such a key to about one node in 64; as an argument it was read as an option.
    process = ManagedMeilisearch(tmp_path / "meilisearch", "-fB" + "k" * 30)
    process.start()
    try:
        cmdline = Path(f"/proc/{process.process.pid}/cmdline").read_bytes().decode()
        assert process.master_key not in cmdline
        SearchIndex(process.url, process.master_key, "dash_key").ensure()
        # The key is in force: Meilisearch refuses the same request without it.
        assert requests.get(process.url + "/indexes/dash_key", timeout=10).status_code == 401
    finally:
        process.stop()


def test_an_index_of_an_older_document_shape_gets_every_item_again_and_the_new_settings(sessions, search_index):
    older = {**index_settings(), "filterableAttributes": [a for a in index_settings()["filterableAttributes"]
                                                          if a != SHAPE_MARKER]}
    search_index.wait(search_index.call("PATCH", f"/indexes/{search_index.uid}/settings", older))
    with sessions.begin() as session:
        import_items(session, acting_node(), [json.dumps({"id": f"m{n}", "type": "method", "title": f"Metode {n}",
                                                          "summary": "x", "audience": "public"}) for n in range(3)])
    drain_outbox(sessions, search_index)  # indexed in the older shape: nothing is queued any more
    assert not search_index.holds_current_shape()
    assert runtime.run_cycle(runtime.SearchRuntime(search_index), sessions) == 3
    assert search_index.holds_current_shape()
    # An index of the current shape is left as it is when the worker starts again.
    assert runtime.run_cycle(runtime.SearchRuntime(search_index), sessions) == 0
