"""A web process's search: the configured Meilisearch, or the worker's managed one, followed as it changes."""

from __future__ import annotations

import time

import pytest

from node.core.config import SearchSettings
from node.search_connection import RECHECK_SECONDS, WorkerSearch, web_search
from search.index import SearchIndex, SearchUnavailable
from search.keys import store_scoped_key


def _worker_started_meilisearch(home, url: str) -> None:
    (home / "meilisearch").mkdir(exist_ok=True)
    store_scoped_key(home, SearchSettings().meilisearch_index, "the-node-s-key")
    (home / "meilisearch" / "url").write_text(url, encoding="utf-8")


def test_a_configured_meilisearch_is_used_as_it_is(tmp_path):
    index = web_search(tmp_path, SearchSettings(meilisearch_url="http://search:7700", meilisearch_key="k"))
    assert isinstance(index, SearchIndex) and index.url == "http://search:7700"


def test_without_a_worker_search_is_unavailable_and_the_web_searches_its_database(tmp_path):
    search = web_search(tmp_path, SearchSettings())
    assert isinstance(search, WorkerSearch) and search.current() is None and not search.healthy()
    with pytest.raises(SearchUnavailable):
        search.search("natteravne", {})


def test_the_web_follows_the_worker_s_meilisearch_with_the_node_s_scoped_key_when_it_starts_and_moves(tmp_path):
    search = WorkerSearch(tmp_path, SearchSettings(), recheck_seconds=0)
    assert search.current() is None
    _worker_started_meilisearch(tmp_path, "http://127.0.0.1:41001")
    assert search.current().url == "http://127.0.0.1:41001" and search.current().api_key == "the-node-s-key"
    _worker_started_meilisearch(tmp_path, "http://127.0.0.1:41002222")  # the file changed (size differs)
    assert search.url == "http://127.0.0.1:41002222"


def test_the_url_file_is_read_again_at_most_once_a_second_and_a_moved_meilisearch_is_followed_after_it(tmp_path):
    _worker_started_meilisearch(tmp_path, "http://127.0.0.1:41001")
    search = WorkerSearch(tmp_path, SearchSettings())
    assert search.current().url == "http://127.0.0.1:41001"
    _worker_started_meilisearch(tmp_path, "http://127.0.0.1:41002222")  # the worker restarted it on another port
    assert search.current().url == "http://127.0.0.1:41001"  # within the second: no look at the file
    time.sleep(RECHECK_SECONDS + 0.05)
    assert search.current().url == "http://127.0.0.1:41002222"
