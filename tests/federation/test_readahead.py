"""read_ahead: same items in the same order, errors reach the consumer, an abandoned producer stops."""

from __future__ import annotations

import threading

import pytest

from federation.readahead import read_ahead


def test_items_arrive_in_order_from_another_thread():
    threads = set()

    def pages():
        for i in range(50):
            threads.add(threading.current_thread().name)
            yield i

    assert list(read_ahead(pages())) == list(range(50))
    assert threads == {"vidensnet-read-ahead"}


def test_an_error_in_the_producer_is_raised_to_the_consumer_after_the_items_before_it():
    def pages():
        yield 1
        raise ConnectionError("peer went away")

    received = []
    with pytest.raises(ConnectionError, match="peer went away"):
        for page in read_ahead(pages()):
            received.append(page)
    assert received == [1]


def test_a_consumer_that_stops_early_stops_the_producer():
    produced = []

    def pages():
        for i in range(1000):
            produced.append(i)
            yield i

    for page in read_ahead(pages(), depth=2):
        if page == 3:
            break
    assert len(produced) <= 3 + 2 + 2  # what was consumed, what the queue holds, and one in hand
