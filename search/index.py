"""The node's Meilisearch index over HTTP: settings, document writes that wait for their tasks, swaps, searches."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

import orjson

from search.connection import CONNECTION_ERRORS, MeilisearchConnection
from search.settings import INDEX_UID, SHAPE_MARKER, index_settings

TASK_TIMEOUT_SECONDS = 120
TASK_POLL_SECONDS = 0.02
FINISHED = ("succeeded", "failed", "canceled")
JSON_BODY = {"Content-Type": "application/json"}


class SearchUnavailable(RuntimeError):
    """Meilisearch could not be reached or refused the work; the message says what happened.

    `status` and `code` are Meilisearch's HTTP status and error code when it answered.
    """

    def __init__(self, message: str, status: int | None = None, code: str = ""):
        super().__init__(message)
        self.status, self.code = status, code


@dataclass
class SearchIndex:
    """One Meilisearch server and the uid of the node's item index on it.

    Each thread keeps its own connection (search.connection), so a search reuses an open one
    without waiting for another thread's.
    """

    url: str
    # Kept out of repr (logs); may be set later, when the node's scoped key has been made (search.runtime).
    api_key: str = field(repr=False)
    uid: str = INDEX_UID
    _local: threading.local = field(default_factory=threading.local, init=False, repr=False, compare=False)

    def _connection(self) -> MeilisearchConnection:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            connection = self._local.connection = MeilisearchConnection(self.url)
        return connection

    def call(self, method: str, path: str, body: Any = None) -> Any:
        """One request to Meilisearch's API; any failure becomes SearchUnavailable with Meilisearch's reason."""
        try:
            connection = self._connection()
            # The key goes with each request, not the connection: it can change once the scoped key exists.
            # orjson: a batch of 500 documents is encoded about 8x faster than by the json module (measured).
            data = None if body is None else orjson.dumps(body)
            headers = {"Authorization": f"Bearer {self.api_key}", **({} if data is None else JSON_BODY)}
            status, content = connection.request(method, path, data, headers)
            answer = orjson.loads(content) if content else {}
        except (*CONNECTION_ERRORS, orjson.JSONDecodeError) as exc:
            raise SearchUnavailable(f"Meilisearch {method} {path}: {exc}") from None
        if status >= 400:
            # Meilisearch may refuse a request (403) before reading its body; the rest of that body would
            # then stall the next request on the same connection (10 s, measured), so the connection goes.
            self._local.connection = None
            connection.close()
            code = answer.get("code", "")
            raise SearchUnavailable(f"Meilisearch {method} {path}: {status} "
                                    f"{code} {answer.get('message', '')}".rstrip(), status, code)
        return answer

    def wait(self, task: dict[str, Any]) -> None:
        """Wait for a Meilisearch task and raise SearchUnavailable if it did not succeed."""
        task_uid = task["taskUid"]
        deadline = time.monotonic() + TASK_TIMEOUT_SECONDS
        while (done := self.call("GET", f"/tasks/{task_uid}"))["status"] not in FINISHED:
            if time.monotonic() > deadline:
                raise SearchUnavailable(f"Meilisearch task {task_uid} still {done['status']} "
                                        f"after {TASK_TIMEOUT_SECONDS} s")
            time.sleep(TASK_POLL_SECONDS)
        if done["status"] != "succeeded":
            error = done.get("error") or {}
            raise SearchUnavailable(f"Meilisearch task {task_uid} {done['status']}: {error}",
                                    code=error.get("code", ""))

    def ensure(self, uid: str | None = None) -> None:
        """Create the index (if missing) and apply the settings; waits until done."""
        uid = uid or self.uid
        try:
            self.wait(self.call("POST", "/indexes", {"uid": uid, "primaryKey": "key"}))
        except SearchUnavailable as exc:
            if exc.code != "index_already_exists":
                raise
        self.wait(self.call("PATCH", f"/indexes/{uid}/settings", index_settings()))

    def send(self, documents: list[dict[str, Any]], uid: str | None = None) -> dict[str, Any] | None:
        """Add or replace documents without waiting; Meilisearch's task for `wait`, None when there were none."""
        if not documents:
            return None
        return self.call("POST", f"/indexes/{uid or self.uid}/documents?primaryKey=key", documents)

    def send_deletion(self, item_ids: list[str]) -> dict[str, Any] | None:
        """Delete the documents of these items without waiting; the task for `wait`, None when there were none."""
        if not item_ids:
            return None
        quoted = ", ".join('"' + i.replace('"', "") + '"' for i in item_ids)
        return self.call("POST", f"/indexes/{self.uid}/documents/delete", {"filter": f"id IN [{quoted}]"})

    def put(self, documents: list[dict[str, Any]], uid: str | None = None) -> None:
        """Add or replace documents and wait until they are searchable."""
        if task := self.send(documents, uid):
            self.wait(task)

    def delete(self, item_ids: list[str]) -> None:
        """Delete the documents of these items and wait."""
        if task := self.send_deletion(item_ids):
            self.wait(task)

    def swap_in(self, fresh_uid: str) -> None:
        """Make `fresh_uid` the live index in one atomic swap, then drop the old one."""
        swap = self.call("POST", "/swap-indexes", [{"indexes": [self.uid, fresh_uid]}])
        try:
            self.wait(swap)
        except SearchUnavailable as exc:
            # Meilisearch 1.21 shows a swap task only to keys for all indexes, so the node's scoped key
            # gets 404; the drop below is queued behind the swap on the same index and waits for it.
            if exc.code != "task_not_found":
                raise
        self.drop(fresh_uid)

    def drop(self, uid: str, missing_ok: bool = False) -> None:
        """Delete a whole index and wait; with missing_ok, an index that is not there is no error."""
        try:
            self.wait(self.call("DELETE", f"/indexes/{uid}"))
        except SearchUnavailable as exc:
            if not (missing_ok and exc.code == "index_not_found"):
                raise

    def index_uids(self) -> list[str]:
        """The uids of all indexes on the server."""
        return [i["uid"] for i in self.call("GET", "/indexes?limit=1000")["results"]]

    def search(self, query: str, options: dict[str, Any]) -> dict[str, Any]:
        """Run one search on the live index."""
        return self.call("POST", f"/indexes/{self.uid}/search", {"q": query, **options})

    def count_each(self, queries: list[str], options: dict[str, Any]) -> list[int]:
        """How many documents each query finds with the same options (filters), in one multi-search."""
        if not queries:
            return []
        asked = [{"indexUid": self.uid, "q": query, **options, "limit": 0} for query in queries]
        answer = self.call("POST", "/multi-search", {"queries": asked})
        return [result.get("estimatedTotalHits", 0) for result in answer["results"]]

    def holds_current_shape(self) -> bool:
        """Whether the live index has the current documents' settings (a missing index has not)."""
        try:
            self.search("", {"filter": f"{SHAPE_MARKER} EXISTS", "limit": 0})
        except SearchUnavailable as exc:
            if exc.code in ("invalid_search_filter", "index_not_found"):
                return False
            raise
        return True

    def healthy(self) -> bool:
        """True when the server answers its health check."""
        try:
            return self.call("GET", "/health").get("status") == "available"
        except SearchUnavailable:
            return False
