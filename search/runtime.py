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
from search.indexer import drain_outbox, queue_every_item
from search.keys import URL_FILE, KeyIssuer, can_manage_keys, external_issuer, managed_issuer, scoped_index
from search.process import ManagedMeilisearch

log = logging.getLogger(__name__)


@dataclass
class SearchRuntime:
    """The node's search connection and, when the node manages it, the Meilisearch process."""

    index: SearchIndex | None
    process: ManagedMeilisearch | None = None
    ready: bool = False  # index created and configured on this server
    issuer: KeyIssuer | None = None  # makes the index's scoped key, where the node holds the master key


def master_key(home: Path) -> str:
    """The managed Meilisearch's master key, generated once and kept (mode 0600) in the data directory."""
    path = home / "meilisearch" / "master.key"
    if not path.exists():
        private_dir(path.parent)
        write_private_text(path, secrets.token_urlsafe(32))
    return path.read_text(encoding="utf-8").strip()


def start_search(home: Path, settings: SearchSettings) -> SearchRuntime:
    """Use the configured Meilisearch when there is one, else start a local one; None index when impossible.

    Either way the index is used with the node's scoped key (search.keys), made here when the node holds
    the master key; an external Meilisearch given VIDENSNET_MEILISEARCH_KEY is used with that key as is.
    """
    index_uid = settings.meilisearch_index
    if settings.meilisearch_url:
        runtime = SearchRuntime(SearchIndex(settings.meilisearch_url, settings.meilisearch_key, index_uid),
                                issuer=external_issuer(home, settings))
    else:
        try:
            binary = find_meilisearch(settings.meilisearch_bin)
            process = ManagedMeilisearch(home / "meilisearch", master_key(home), binary=binary)
            process.start()
        except (MeilisearchMissing, RuntimeError) as exc:
            log.error("search runs degraded (database only): %s", exc)
            return SearchRuntime(None)
        write_private_text(home / "meilisearch" / URL_FILE, process.url)
        issuer = managed_issuer(home, process.url, process.master_key, index_uid)
        runtime = SearchRuntime(SearchIndex(process.url, "", index_uid), process, issuer=issuer)
    _take_key(runtime)
    return runtime


def _take_key(runtime: SearchRuntime) -> None:
    # Made at start, so that searches work at once; when Meilisearch cannot be reached yet, run_cycle retries.
    if runtime.issuer is None:
        if can_manage_keys(runtime.index):  # e.g. an older setup that gave the node the master key
            log.warning("VIDENSNET_MEILISEARCH_KEY can manage Meilisearch's keys: give the node a key made for "
                        "its index, or set it as VIDENSNET_MEILISEARCH_MASTER_KEY (docs/operations.md)")
        return
    try:
        runtime.index.api_key = runtime.issuer.issue()
    except (SearchUnavailable, OSError) as exc:
        log.error("search waits for the node's Meilisearch key: %s", exc)
    else:
        log.info("search uses the index %s on %s with the node's scoped key", runtime.index.uid, runtime.index.url)


def connect_search(home: Path, settings: SearchSettings) -> SearchIndex | None:
    """The node's index with its scoped key, on the configured Meilisearch or the worker's; None: search degraded.

    For web processes (`vidensnet serve`): they never start a Meilisearch or make a key, they use the worker's.
    """
    index = scoped_index(home, settings)
    if index is None:
        log.warning("search runs degraded (database only): no Meilisearch configured and no worker has started one")
    return index


def run_cycle(runtime: SearchRuntime, sessions: sessionmaker[Session]) -> int:
    """Keep a managed Meilisearch alive and apply queued index updates; returns how many were applied."""
    if runtime.index is None:
        return 0
    try:
        if runtime.process is not None and runtime.process.ensure_running():
            runtime.ready = False
        if not runtime.ready:
            if runtime.issuer is not None:  # found again after an outage or a restart (it is not remade)
                runtime.index.api_key = runtime.issuer.issue()
            _follow_document_shape(runtime.index, sessions)
            runtime.ready = True
        return drain_outbox(sessions, runtime.index)
    except (SearchUnavailable, RuntimeError, OSError) as exc:
        runtime.ready = False
        log.warning("search index not updated this time (queued updates are kept): %s", exc)
        return 0


def _follow_document_shape(index: SearchIndex, sessions: sessionmaker[Session]) -> None:
    # Items are queued before the settings name the new shape: a crash in between only queues them again.
    if not index.holds_current_shape():
        queued = queue_every_item(sessions)
        log.info("search index %s holds documents of an older shape: %d items queued again", index.uid, queued)
    index.ensure()


def stop_search(runtime: SearchRuntime) -> None:
    """Stop a managed Meilisearch."""
    if runtime.process is not None:
        runtime.process.stop()
