"""The node's Meilisearch index: settings, document writes that wait for their tasks, and swaps."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import meilisearch
from meilisearch.errors import MeilisearchApiError, MeilisearchCommunicationError, MeilisearchTimeoutError

from search.settings import INDEX_UID, index_settings

TASK_TIMEOUT_MS = 120_000
SEARCH_ERRORS = (MeilisearchApiError, MeilisearchCommunicationError, MeilisearchTimeoutError, OSError)


class SearchUnavailable(RuntimeError):
    """Meilisearch could not be reached or refused the work; the message says what happened."""


@dataclass
class SearchIndex:
    """One Meilisearch server and the uid of the node's item index on it."""

    url: str
    api_key: str
    uid: str = INDEX_UID

    @cached_property
    def client(self) -> meilisearch.Client:
        # One client (one HTTP connection pool) per index object: a new client per search
        # would open a new TCP connection for every request.
        return meilisearch.Client(self.url, self.api_key, timeout=10)

    def wait(self, task) -> None:
        """Wait for a Meilisearch task and raise SearchUnavailable if it did not succeed."""
        done = self.client.wait_for_task(task.task_uid, timeout_in_ms=TASK_TIMEOUT_MS, interval_in_ms=20)
        if done.status != "succeeded":
            raise SearchUnavailable(f"Meilisearch task {task.task_uid} {done.status}: {done.error}")

    def ensure(self, uid: str | None = None) -> None:
        """Create the index (if missing) and apply the settings; waits until done."""
        uid = uid or self.uid
        try:
            self.wait(self.client.create_index(uid, {"primaryKey": "key"}))
        except SearchUnavailable as exc:
            if "index_already_exists" not in str(exc):
                raise
        self.wait(self.client.index(uid).update_settings(index_settings()))

    def put(self, documents: list[dict[str, Any]], uid: str | None = None) -> None:
        """Add or replace documents and wait until they are searchable."""
        if documents:
            self.wait(self.client.index(uid or self.uid).add_documents(documents, primary_key="key"))

    def delete(self, item_ids: list[str]) -> None:
        """Delete the documents of these items and wait."""
        if item_ids:
            quoted = ", ".join('"' + i.replace('"', "") + '"' for i in item_ids)
            self.wait(self.client.index(self.uid).delete_documents(filter=f"id IN [{quoted}]"))

    def swap_in(self, fresh_uid: str) -> None:
        """Make `fresh_uid` the live index in one atomic swap, then drop the old one."""
        self.wait(self.client.swap_indexes([{"indexes": [self.uid, fresh_uid]}]))
        self.wait(self.client.delete_index(fresh_uid))

    def search(self, query: str, options: dict[str, Any]) -> dict[str, Any]:
        """Run one search on the live index."""
        return self.client.index(self.uid).search(query, options)

    def healthy(self) -> bool:
        """True when the server answers its health check."""
        try:
            return self.client.is_healthy()
        except SEARCH_ERRORS:
            return False
