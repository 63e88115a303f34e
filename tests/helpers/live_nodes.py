"""Real nodes for the tests: the `vidensnet` CLI in child processes and `vidensnet run` on 127.0.0.1.

Built on the harness the benchmarks and the demo use too (deploy/local_federation.py).
"""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

import pytest
import requests

from deploy.local_federation import REPO, ChildNode, free_port, peer, stop_all, vidensnet, wait_until_serving
from tests.helpers.nodes import PASSWORD

__all__ = ["DEMO_FILES", "HTTP_TIMEOUT", "REPO", "LIVE_NODE_ENV", "ChildNode", "LiveNode", "free_port", "peer",
           "query", "queued_index_updates", "stop_all", "vidensnet", "wait_for", "wait_until_serving", "write_items"]

DEMO_FILES = sorted((REPO / "node" / "demo").glob("*.jsonl"))
# Requests to live nodes: generous, because on a 2-core CI machine a node shares the CPU with
# its Meilisearch (indexing right after start) and the test runner; these tests check content, not speed.
HTTP_TIMEOUT = 30
# Live nodes pull their peers every 2 s and run housekeeping every second, so changes travel quickly.
LIVE_NODE_ENV = {"VIDENSNET_PULL_SECONDS": "2", "VIDENSNET_HOUSEKEEPING_SECONDS": "1"}


def wait_for(condition, timeout: float = 30, interval: float = 0.3, message: str = "condition"):
    """Poll until `condition()` is truthy; returns its value or fails the test."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(f"timed out after {timeout}s waiting for {message}")


class LiveNode(ChildNode):
    """A real node for the tests: initialised with an admin (PASSWORD) and its API token; started, it
    counts as serving when its front page answers. `env` is added to LIVE_NODE_ENV; `url` is its public URL
    behind a proxy, and `verify` what requests checks that URL's certificate against (a CA file)."""

    def __init__(self, home: Path, name: str, kind: str, *, municipality: str | None = None,
                 district: str | None = None, env: dict[str, str] | None = None, url: str | None = None,
                 verify: str | bool = True):
        super().__init__(home, env={**LIVE_NODE_ENV, **(env or {})}, ready_path="/", url=url)
        self.verify = verify
        self.init(name, kind, municipality=municipality, district=district)
        self.add_user("admin", "admin", PASSWORD)
        self.token = self.api_token("admin")

    def api(self, path: str) -> requests.Response:
        """GET from the node's API as its admin."""
        return requests.get(self.url + path, headers={"Authorization": f"Bearer {self.token}"}, timeout=HTTP_TIMEOUT,
                            verify=self.verify)

    def item(self, item_id: str) -> dict | None:
        """The item as this node's admin sees it, or None when the node does not hold it."""
        response = self.api(f"/api/v1/items/{item_id}")
        return response.json() if response.status_code == 200 else None

    def export(self) -> list[dict]:
        """Every item the node holds, from `vidensnet export`."""
        return [json.loads(line) for line in self.cli("export").stdout.splitlines()]

    def publish(self, path: Path) -> None:
        """Publish a JSON Lines file as this node."""
        self.cli("import", str(path))


def write_items(path: Path, *items: dict) -> Path:
    """A JSON Lines file of these items, for LiveNode.publish."""
    path.write_text("".join(json.dumps(i, ensure_ascii=False) + "\n" for i in items), encoding="utf-8")
    return path


def query(node: ChildNode, sql: str, *args) -> list[tuple]:
    """Rows from a node's own SQLite database."""
    with sqlite3.connect(node.home / "vidensnet.db") as db:
        return db.execute(sql, args).fetchall()


def queued_index_updates(home: Path) -> int:
    """How many search index updates the node in `home` has queued and not yet applied."""
    with sqlite3.connect(home / "vidensnet.db") as db:
        return db.execute("SELECT count(*) FROM index_tasks WHERE state = 'queued'").fetchone()[0]
