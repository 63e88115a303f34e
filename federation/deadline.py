"""A deadline for a whole HTTP exchange with a peer, from connecting to the last byte of the answer.

`requests` only bounds each read from the socket, so a peer that sends one byte
every few seconds can hold a call open for ever. Inside `deadline(seconds)`,
every connection that `DeadlineAdapter` hands out registers its socket when it
waits for an answer, and a timer shuts those sockets down when time runs out:
the blocked read then fails at once, whatever stage the exchange is in.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

_current = threading.local()


class Deadline:
    """The time one exchange may take; `expired` tells afterwards whether it ran out."""

    def __init__(self, seconds: float):
        self.expired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def watch(self, sock: socket.socket) -> None:
        """Shut this socket down when the deadline passes (at once if it has passed)."""
        with self._lock:
            self._sockets.append(sock)
            if self.expired:
                _shut(sock)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            for sock in self._sockets:
                _shut(sock)


@contextmanager
def deadline(seconds: float) -> Iterator[Deadline]:
    """Bound the HTTP exchanges made in this thread inside the block by one deadline."""
    limit = Deadline(seconds)
    _current.deadline = limit
    limit._timer.start()
    try:
        yield limit
    finally:
        limit._timer.cancel()
        _current.deadline = None


def _shut(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # already closed


class _WatchedConnection:
    # Registers the socket each time an answer is awaited: a kept-alive connection serves several exchanges.
    def getresponse(self):
        limit = getattr(_current, "deadline", None)
        if limit is not None and self.sock is not None:
            limit.watch(self.sock)
        return super().getresponse()


class _HTTPConnection(_WatchedConnection, HTTPConnection):
    pass


class _HTTPSConnection(_WatchedConnection, HTTPSConnection):
    pass


class _HTTPPool(HTTPConnectionPool):
    ConnectionCls = _HTTPConnection


class _HTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection


class DeadlineAdapter(HTTPAdapter):
    """A requests adapter whose connections obey the deadline of the calling thread."""

    def init_poolmanager(self, *args, **kwargs) -> None:
        """Make the pool manager build pools of watched connections."""
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _HTTPPool, "https": _HTTPSPool}
