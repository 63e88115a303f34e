"""The Meilisearch client in search/index.py, against the test suite's real Meilisearch."""

from __future__ import annotations

import threading
import time

import pytest

from search.index import SearchIndex, SearchUnavailable


def test_a_refused_document_raises_with_meilisearchs_reason(search_index):
    with pytest.raises(SearchUnavailable, match="invalid_document_id"):
        search_index.put([{"key": "aarhus-kommune:not/safe", "id": "x", "title": "t"}])


def test_a_wrong_key_raises_naming_the_status_and_code(meilisearch_server, search_index):
    stranger = SearchIndex(meilisearch_server.url, "not-the-key", search_index.uid)
    with pytest.raises(SearchUnavailable, match="403 invalid_api_key"):
        stranger.search("", {})
    assert stranger.healthy()  # the health check needs no key: the server itself is up


def test_an_unreachable_server_raises_search_unavailable_and_is_not_healthy():
    dead = SearchIndex("http://127.0.0.1:9", "key")
    with pytest.raises(SearchUnavailable, match="POST /indexes/vidensnet_items/search"):
        dead.search("", {})
    assert not dead.healthy()


def test_a_refused_request_with_a_body_does_not_stall_the_next_one_on_the_same_connection(
        meilisearch_server, search_index):
    # Meilisearch answers 403 before reading the body; the unread rest must not be taken for the next request.
    stranger = SearchIndex(meilisearch_server.url, "not-the-key", search_index.uid)
    body = [{"key": f"k{n}", "id": str(n), "title": "x" * 2000} for n in range(200)]
    with pytest.raises(SearchUnavailable, match="403"):
        stranger.send(body)
    started = time.monotonic()
    assert stranger.healthy()
    assert time.monotonic() - started < 2


def test_a_url_that_is_not_http_is_unavailable_not_a_crash():
    with pytest.raises(SearchUnavailable, match="not an http"):
        SearchIndex("localhost:7700", "key").search("", {})


def test_each_thread_keeps_its_own_connection(search_index):
    sessions = []

    def search_twice():
        search_index.search("", {})
        first = search_index._connection()
        search_index.search("", {})
        sessions.append((first, search_index._connection()))

    threads = [threading.Thread(target=search_twice) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(first is second for first, second in sessions)
    assert len({id(first) for first, _ in sessions}) == 3


def test_a_proxy_from_the_environment_is_still_honoured(meilisearch_server, search_index, monkeypatch):
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # nothing listens there
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    through_proxy = SearchIndex(meilisearch_server.url, meilisearch_server.master_key, search_index.uid)
    with pytest.raises(SearchUnavailable, match="ProxyError|proxy"):
        through_proxy.search("", {})
