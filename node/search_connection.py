"""The search a web process uses: the configured Meilisearch, or the one the node's worker manages, followed.

Web processes (`vidensnet serve`, and `vidensnet run` while another worker holds the lease) never
start a Meilisearch. The worker writes its managed one's URL to HOME/meilisearch/url when it starts
it, which may be after the web processes started (systemd starts both at once) and, after a
takeover, on another port; so the web reads the file again whenever it has changed.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

from node.core.config import SearchSettings
from search.index import SearchIndex, SearchUnavailable
from search.runtime import connect_search

# How long a web process uses the URL it read before looking at the file again: a stat on every search was
# about 2 % of a search's time (measured); a worker's restarted Meilisearch is followed within this.
RECHECK_SECONDS = 1.0


class WorkerSearch:
    """Stands in for the SearchIndex of the worker's managed Meilisearch, whichever that is at the moment."""

    def __init__(self, home: Path, settings: SearchSettings, recheck_seconds: float = RECHECK_SECONDS):
        self.home, self.settings, self.recheck_seconds = home, settings, recheck_seconds
        self._stamp: tuple[int, int] | None = None
        self._index: SearchIndex | None = None
        self._next_check = float("-inf")
        self._lock = threading.Lock()

    def current(self) -> SearchIndex | None:
        """The worker's Meilisearch as its URL file named it at most recheck_seconds ago; None while there is none."""
        now = time.monotonic()
        if now < self._next_check:
            return self._index
        stamp = self._url_file_stamp()
        with self._lock:
            self._next_check = now + self.recheck_seconds
            if stamp != self._stamp:
                self._index = connect_search(self.home, self.settings) if stamp else None
                self._stamp = stamp
            return self._index

    def _url_file_stamp(self) -> tuple[int, int] | None:
        try:
            status = (self.home / "meilisearch" / "url").stat()
        except FileNotFoundError:
            return None
        return status.st_mtime_ns, status.st_size

    def healthy(self) -> bool:
        """Whether the worker's Meilisearch answers (False while there is none)."""
        index = self.current()
        return index is not None and index.healthy()

    def __getattr__(self, name: str):
        # Everything else a SearchIndex offers (search, ...), on the current one; without one, search is
        # unavailable, which callers already answer from the database.
        index = self.current()
        if index is None:
            raise SearchUnavailable("no Meilisearch: the node's worker has not started one")
        return getattr(index, name)


def web_search(home: Path, settings: SearchSettings) -> SearchIndex | WorkerSearch | None:
    """The search for a web process: the configured Meilisearch, else the worker's, followed as it changes."""
    if settings.meilisearch_url:
        return connect_search(home, settings)
    return WorkerSearch(home, settings)
