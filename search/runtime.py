"""Search inside a running node: connect to (or start) Meilisearch, keep it alive, drain the outbox."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from node.core.config import SearchSettings
from node.core.private_files import private_dir, write_private_text
from search.binary import MeilisearchMissing, find_meilisearch
from search.index import SearchIndex, SearchUnavailable
from search.indexer import drain_outbox
from search.process import ManagedMeilisearch

log = logging.getLogger(__name__)


@dataclass
class SearchRuntime:
    """The node's search connection and, when the node manages it, the Meilisearch process."""

    index: SearchIndex | None
    process: ManagedMeilisearch | None = None
    ready: bool = False  # index created and configured on this server


def master_key(home: Path) -> str:
    """The managed Meilisearch's master key, generated once and kept (mode 0600) in the data directory."""
    path = home / "meilisearch" / "master.key"
    if not path.exists():
        private_dir(path.parent)
        write_private_text(path, secrets.token_urlsafe(32))
    return path.read_text(encoding="utf-8").strip()


def start_search(home: Path, settings: SearchSettings) -> SearchRuntime:
    """Use the configured Meilisearch when there is one, else start a local one; None index when impossible."""
    if settings.meilisearch_url:
        return SearchRuntime(SearchIndex(settings.meilisearch_url, settings.meilisearch_key))
    try:
        binary = find_meilisearch(settings.meilisearch_bin)
        process = ManagedMeilisearch(home / "meilisearch", master_key(home), binary=binary)
        process.start()
    except (MeilisearchMissing, RuntimeError) as exc:
        log.error("search runs degraded (database only): %s", exc)
        return SearchRuntime(None)
    write_private_text(home / "meilisearch" / "url", process.url)
    return SearchRuntime(SearchIndex(process.url, process.master_key), process)


def connect_search(home: Path, settings: SearchSettings) -> SearchIndex | None:
    """The configured Meilisearch, else the one the node's worker manages (its URL file); None: search degraded.

    For web processes (`vidensnet serve`): they never start a Meilisearch, they use the worker's.
    """
    if settings.meilisearch_url:
        return SearchIndex(settings.meilisearch_url, settings.meilisearch_key)
    url, key = home / "meilisearch" / "url", home / "meilisearch" / "master.key"
    if not (url.is_file() and key.is_file()):
        log.warning("search runs degraded (database only): no Meilisearch configured and no worker has started one")
        return None
    return SearchIndex(url.read_text(encoding="utf-8").strip(), key.read_text(encoding="utf-8").strip())


def run_cycle(runtime: SearchRuntime, sessions: sessionmaker[Session]) -> int:
    """Keep a managed Meilisearch alive and apply queued index updates; returns how many were applied."""
    if runtime.index is None:
        return 0
    try:
        if runtime.process is not None and runtime.process.ensure_running():
            runtime.ready = False
        if not runtime.ready:
            runtime.index.ensure()
            runtime.ready = True
        return drain_outbox(sessions, runtime.index)
    except (SearchUnavailable, RuntimeError, OSError) as exc:
        runtime.ready = False
        log.warning("search index not updated this time (queued updates are kept): %s", exc)
        return 0


def stop_search(runtime: SearchRuntime) -> None:
    """Stop a managed Meilisearch."""
    if runtime.process is not None:
        runtime.process.stop()
