"""The node's scoped Meilisearch key: its own index and reindex twin only, made with the master key.

Meilisearch's master key is for managing keys. The process that owns search (`vidensnet run`) and
`vidensnet reindex` make the node's key with it, idempotently, and use only that key for searching and
indexing; the key is stored (0600) in HOME/meilisearch/search-key.json for the node's processes that
only search, which find it with `scoped_index`. docs/operations.md, "Meilisearch and its keys".
"""

from __future__ import annotations

import json
import os
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from node.core.config import SearchSettings
from node.core.private_files import private_dir, write_private_text
from search.index import SearchIndex, SearchUnavailable
from search.settings import reindex_uid

# Only what the node does with its index; no reading of documents, settings, stats or other indexes.
SCOPED_ACTIONS = (
    "search",  # the search page and API
    "documents.add",  # draining the outbox; filling the rebuilt index
    "documents.delete",  # items retracted, narrowed or expired
    "indexes.create",  # the index on a new server; the reindex twin
    "settings.update",  # the index settings (search.settings)
    "indexes.swap",  # reindex: the rebuilt twin swapped in
    "indexes.delete",  # reindex: the old index dropped, a leftover twin removed
    "tasks.get",  # waiting until each of the above is done
)
KEY_FILE = "search-key.json"
URL_FILE = "url"  # the address of the node's own Meilisearch, written by the process that started it
# Fixed for good: the same index and actions must always name the same key on a server.
_KEY_NAMESPACE = uuid.UUID("0b6f4f7e-4c1e-4d8e-9a0a-6d1f2c3b5a79")


def key_uid(index_uid: str) -> str:
    """The uid of the node's key: the same index and actions give the same key, so making it is idempotent."""
    return str(uuid.uuid5(_KEY_NAMESPACE, "\n".join([index_uid, *SCOPED_ACTIONS])))


def key_name(index_uid: str) -> str:
    """The name the node's key is listed under in Meilisearch's /keys."""
    return f"vidensnet {index_uid}"


def key_request(index_uid: str) -> dict:
    """The body of POST /keys: the node's index and twin by exact name (a pattern could reach another node's)."""
    return {"uid": key_uid(index_uid), "name": key_name(index_uid),
            "description": "Vidensnet: search and indexing of this node's index, made by the node",
            "actions": list(SCOPED_ACTIONS), "indexes": [index_uid, reindex_uid(index_uid)], "expiresAt": None}


def issue_scoped_key(url: str, master_key: str, index_uid: str) -> str:
    """The node's key on this server, made with the master key the first time (then found again)."""
    admin = SearchIndex(url, master_key, index_uid)
    uid = key_uid(index_uid)
    try:
        return admin.call("GET", f"/keys/{uid}")["key"]
    except SearchUnavailable as exc:
        if exc.code != "api_key_not_found":
            raise
    try:
        key = admin.call("POST", "/keys", key_request(index_uid))["key"]
    except SearchUnavailable as exc:
        if exc.code != "api_key_already_exists":
            raise
        return admin.call("GET", f"/keys/{uid}")["key"]  # another of the node's processes made it just now
    _retire_superseded(admin, index_uid, uid)
    return key


def _retire_superseded(admin: SearchIndex, index_uid: str, uid: str) -> None:
    # A key's actions cannot be changed in Meilisearch: a release with other actions makes a new key
    # (another uid), and the node's earlier key for the same index is deleted here.
    for old in admin.call("GET", "/keys?limit=1000")["results"]:
        if old.get("name") == key_name(index_uid) and old["uid"] != uid:
            admin.call("DELETE", f"/keys/{old['uid']}")


def store_scoped_key(home: Path, index_uid: str, key: str) -> None:
    """Keep the key (0600) for the node's processes that only search; readers never see a half-written file."""
    path = home / "meilisearch" / KEY_FILE
    private_dir(path.parent)
    partial = path.with_name(f"{KEY_FILE}.{os.getpid()}.partial")  # one per process: two may store at once
    write_private_text(partial, json.dumps({"index": index_uid, "key": key}) + "\n")
    os.replace(partial, path)


def stored_scoped_key(home: Path, index_uid: str) -> str | None:
    """The key stored for `index_uid`, or None (not made yet, or made for another index)."""
    try:
        stored = json.loads((home / "meilisearch" / KEY_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return stored.get("key") if stored.get("index") == index_uid else None


def managed_url(home: Path) -> str | None:
    """The address of the node's own Meilisearch as last started, or None."""
    path = home / "meilisearch" / URL_FILE
    if not path.exists():
        return None
    return path.read_text(encoding="utf-8").strip() or None


@dataclass
class StoredKeyIndex(SearchIndex):
    """The node's index used with the key that the process owning search stored, read when it is needed.

    A web process may start before that process has made the key, and the key's value changes when the
    master key is replaced; so the stored key is read while none is known and again after a refusal.
    """

    home: Path = Path()

    def call(self, method: str, path: str, body: Any = None) -> Any:
        """One request with the stored key (see SearchIndex.call); a refused one is retried with a newer key."""
        if not self.api_key:
            self.api_key = stored_scoped_key(self.home, self.uid) or ""
        try:
            return super().call(method, path, body)
        except SearchUnavailable as exc:
            newer = stored_scoped_key(self.home, self.uid) if exc.status in (401, 403) else None
            if not newer or newer == self.api_key:
                raise
            self.api_key = newer
            return super().call(method, path, body)


def scoped_index(home: Path, settings: SearchSettings) -> SearchIndex | None:
    """The node's SearchIndex with its scoped key, for a process that only searches: starts and makes nothing.

    The key is VIDENSNET_MEILISEARCH_KEY when given, else the one stored by the process that owns search
    (read when needed: until it is there, searches are refused and fall back to the database). None only
    for the node's own Meilisearch before it has an address (HOME/meilisearch/url).
    """
    index_uid = settings.meilisearch_index
    if settings.meilisearch_url and settings.meilisearch_key:
        return SearchIndex(settings.meilisearch_url, settings.meilisearch_key, index_uid)
    url = settings.meilisearch_url or managed_url(home)
    if not url:
        return None
    return StoredKeyIndex(url, stored_scoped_key(home, index_uid) or "", index_uid, home=home)


@dataclass(frozen=True)
class KeyIssuer:
    """Where the process that owns search gets the node's key: a server, its master key and the node's index."""

    home: Path
    url: str
    master_key: str = field(repr=False)
    index_uid: str
    source: str  # where the master key came from, for messages (never the key itself)

    def issue(self) -> str:
        """The node's key, made on the server when needed and stored for the node's other processes."""
        try:
            key = issue_scoped_key(self.url, self.master_key, self.index_uid)
        except SearchUnavailable as exc:
            if exc.status not in (401, 403):
                raise
            raise SearchUnavailable(f"{self.source} was refused by the Meilisearch at {self.url} "
                                    f"({exc.status} {exc.code}): the node cannot make its key", exc.status,
                                    exc.code) from None
        store_scoped_key(self.home, self.index_uid, key)
        return key

    def index(self) -> SearchIndex:
        """The node's SearchIndex with the scoped key, made now if needed."""
        return SearchIndex(self.url, self.issue(), self.index_uid)


def external_issuer(home: Path, settings: SearchSettings) -> KeyIssuer | None:
    """For an external Meilisearch given its master key, the issuer; None when the node was given its own key."""
    if not (settings.meilisearch_url and settings.meilisearch_master_key):
        return None
    return KeyIssuer(home, settings.meilisearch_url, settings.meilisearch_master_key, settings.meilisearch_index,
                     "VIDENSNET_MEILISEARCH_MASTER_KEY")


def managed_issuer(home: Path, url: str, master_key: str, index_uid: str) -> KeyIssuer:
    """For the node's own Meilisearch at `url`, whose master key is kept in the data directory."""
    return KeyIssuer(home, url, master_key, index_uid, f"the master key in {home / 'meilisearch' / 'master.key'}")


def given_index(settings: SearchSettings) -> SearchIndex | None:
    """The external index with the key the operator made for the node (VIDENSNET_MEILISEARCH_KEY), used as is."""
    if not (settings.meilisearch_url and settings.meilisearch_key):
        return None
    return SearchIndex(settings.meilisearch_url, settings.meilisearch_key, settings.meilisearch_index)


def can_manage_keys(index: SearchIndex) -> bool:
    """True when the index's key may read Meilisearch's keys: a master or admin key, not one made for the node."""
    try:
        index.call("GET", "/keys?limit=1")
    except SearchUnavailable:
        return False  # refused (as it should be), or the server is not reachable: nothing to say
    return True
