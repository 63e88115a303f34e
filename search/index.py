"""The node's Meilisearch index over HTTP: settings, document writes that wait for their tasks, swaps, searches."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

import requests

from search.settings import INDEX_UID, index_settings

TASK_TIMEOUT_SECONDS = 120
TASK_POLL_SECONDS = 0.02
REQUEST_TIMEOUT_SECONDS = 10
FINISHED = ("succeeded", "failed", "canceled")


class SearchUnavailable(RuntimeError):
    """Meilisearch could not be reached or refused the work; the message says what happened."""


@dataclass
class SearchIndex:
    """One Meilisearch server and the uid of the node's item index on it.

    Each thread keeps its own HTTP session, so a search reuses an open connection
    (requests' sessions are not meant to be shared between threads).
    """

    url: str
    api_key: str
    uid: str = INDEX_UID
    _local: threading.local = field(default_factory=threading.local, init=False, repr=False, compare=False)

    def _session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
            # Proxy and CA-bundle settings are read from the environment once, here; requests would
            # otherwise scan the environment twice per call (about 0.4 ms of a search, measured).
            environment = session.merge_environment_settings(self.url, {}, None, None, None)
            session.proxies, session.verify = environment["proxies"], environment["verify"]
            session.trust_env = False
            session.headers["Authorization"] = f"Bearer {self.api_key}"
            # Uncompressed answers: Meilisearch streams gzip in small chunks, and on a kept connection
            # Nagle's algorithm and delayed ACKs then hold each answer back about 40 ms (measured).
            session.headers["Accept-Encoding"] = "identity"
        return session

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        """One request to Meilisearch's API; any failure becomes SearchUnavailable with Meilisearch's reason."""
        try:
            response = self._session().request(method, self.url.rstrip("/") + path, json=body,
                                               timeout=REQUEST_TIMEOUT_SECONDS)
            answer = response.json() if response.content else {}
        except requests.RequestException as exc:
            raise SearchUnavailable(f"Meilisearch {method} {path}: {exc}") from None
        if response.status_code >= 400:
            raise SearchUnavailable(f"Meilisearch {method} {path}: {response.status_code} "
                                    f"{answer.get('code', '')} {answer.get('message', '')}".rstrip())
        return answer

    def wait(self, task: dict[str, Any]) -> None:
        """Wait for a Meilisearch task and raise SearchUnavailable if it did not succeed."""
        task_uid = task["taskUid"]
        deadline = time.monotonic() + TASK_TIMEOUT_SECONDS
        while (done := self._call("GET", f"/tasks/{task_uid}"))["status"] not in FINISHED:
            if time.monotonic() > deadline:
                raise SearchUnavailable(f"Meilisearch task {task_uid} still {done['status']} "
                                        f"after {TASK_TIMEOUT_SECONDS} s")
            time.sleep(TASK_POLL_SECONDS)
        if done["status"] != "succeeded":
            raise SearchUnavailable(f"Meilisearch task {task_uid} {done['status']}: {done.get('error')}")

    def ensure(self, uid: str | None = None) -> None:
        """Create the index (if missing) and apply the settings; waits until done."""
        uid = uid or self.uid
        try:
            self.wait(self._call("POST", "/indexes", {"uid": uid, "primaryKey": "key"}))
        except SearchUnavailable as exc:
            if "index_already_exists" not in str(exc):
                raise
        self.wait(self._call("PATCH", f"/indexes/{uid}/settings", index_settings()))

    def put(self, documents: list[dict[str, Any]], uid: str | None = None) -> None:
        """Add or replace documents and wait until they are searchable."""
        if documents:
            self.wait(self._call("POST", f"/indexes/{uid or self.uid}/documents?primaryKey=key", documents))

    def delete(self, item_ids: list[str]) -> None:
        """Delete the documents of these items and wait."""
        if item_ids:
            quoted = ", ".join('"' + i.replace('"', "") + '"' for i in item_ids)
            self.wait(self._call("POST", f"/indexes/{self.uid}/documents/delete", {"filter": f"id IN [{quoted}]"}))

    def swap_in(self, fresh_uid: str) -> None:
        """Make `fresh_uid` the live index in one atomic swap, then drop the old one."""
        self.wait(self._call("POST", "/swap-indexes", [{"indexes": [self.uid, fresh_uid]}]))
        self.drop(fresh_uid)

    def drop(self, uid: str) -> None:
        """Delete a whole index and wait."""
        self.wait(self._call("DELETE", f"/indexes/{uid}"))

    def index_uids(self) -> list[str]:
        """The uids of all indexes on the server."""
        return [i["uid"] for i in self._call("GET", "/indexes?limit=1000")["results"]]

    def search(self, query: str, options: dict[str, Any]) -> dict[str, Any]:
        """Run one search on the live index."""
        return self._call("POST", f"/indexes/{self.uid}/search", {"q": query, **options})

    def healthy(self) -> bool:
        """True when the server answers its health check."""
        try:
            return self._call("GET", "/health").get("status") == "available"
        except SearchUnavailable:
            return False
