"""Run a page producer one or two pages ahead of its consumer, in a background thread.

Pulling from a peer has two halves that can overlap: fetching and checking the
next page (HTTP waits, JSON decoding, Ed25519 verification, which releases the
GIL) and storing the current one (validation, SQL). `read_ahead` lets the first
half run in a thread while the caller does the second.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")
_DONE = object()


class _Failed:
    def __init__(self, error: BaseException):
        self.error = error


def read_ahead(pages: Iterable[T], depth: int = 2) -> Iterator[T]:
    """Yield what `pages` yields, produced up to `depth` items ahead in a thread; its errors re-raise here."""
    ready: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for page in pages:
                if not _offer(ready, page, stop):
                    return
            _offer(ready, _DONE, stop)
        except BaseException as exc:  # handed to the consumer, which decides
            _offer(ready, _Failed(exc), stop)

    worker = threading.Thread(target=produce, name="vidensnet-read-ahead", daemon=True)
    worker.start()
    try:
        while (page := ready.get()) is not _DONE:
            if isinstance(page, _Failed):
                raise page.error
            yield page
    finally:
        stop.set()  # the consumer stopped (done, failed or abandoned): let the producer finish
        worker.join()


def _offer(ready: queue.Queue, item: object, stop: threading.Event) -> bool:
    while not stop.is_set():
        try:
            ready.put(item, timeout=0.1)
            return True
        except queue.Full:
            continue
    return False
