"""Real nodes for the tests: the `vidensnet` CLI in child processes and `vidensnet run` on 127.0.0.1."""

from __future__ import annotations

import json
import os
import re
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.helpers.nodes import PASSWORD

REPO = Path(__file__).resolve().parent.parent.parent
DEMO_FILES = sorted((REPO / "node" / "demo").glob("*.jsonl"))
# Requests to live nodes: generous, because on a 2-core CI machine a node shares the CPU with
# its Meilisearch (indexing right after start) and the test runner; these tests check content, not speed.
HTTP_TIMEOUT = 30


def vidensnet(home: Path, *args: str, input: str | None = None, check: bool = True) -> subprocess.CompletedProcess:
    """Run the real `vidensnet` CLI in a child process against a data directory."""
    return subprocess.run(
        [sys.executable, "-m", "node", "--home", str(home), *args],
        input=input, capture_output=True, text=True, check=check, timeout=120,
    )


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_serving(url: str, proc: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"vidensnet run exited with {proc.returncode}")
        try:
            if requests.get(url + "/", timeout=2).status_code == 200:
                return
        except requests.ConnectionError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {timeout}s")


def wait_for(condition, timeout: float = 30, interval: float = 0.3, message: str = "condition"):
    """Poll until `condition()` is truthy; returns its value or fails the test."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(f"timed out after {timeout}s waiting for {message}")


class LiveNode:
    """A real node: its own data directory and a `vidensnet run` child process on 127.0.0.1."""

    def __init__(self, home: Path, name: str, kind: str, *, municipality: str | None = None, district: str | None = None):
        self.home, self.port = home, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        args = ["init", "--name", name, "--kind", kind, "--url", self.url]
        args += ["--municipality", municipality] if municipality else []
        args += ["--district", district] if district else []
        self.id = re.search(r"Node '([^']+)'", self.cli(*args).stdout).group(1)
        self.cli("user", "add", "admin", "--role", "admin", "--password-stdin", input=PASSWORD + "\n")
        self.token = self.cli("user", "token", "admin").stdout.strip()
        self.proc: subprocess.Popen | None = None

    def cli(self, *args: str, input: str | None = None, check: bool = True) -> subprocess.CompletedProcess:
        """Run `vidensnet --home <this node> ...`."""
        return vidensnet(self.home, *args, input=input, check=check)

    def start(self) -> None:
        """Start serving; returns when the node answers HTTP."""
        env = {**os.environ, "PYTHONUNBUFFERED": "1", "VIDENSNET_PULL_SECONDS": "2", "VIDENSNET_HOUSEKEEPING_SECONDS": "1"}
        log = (self.home / "run.log").open("a")
        self.proc = subprocess.Popen([sys.executable, "-m", "node", "--home", str(self.home), "run", "--port", str(self.port)],
                                     stdout=log, stderr=subprocess.STDOUT, env=env)
        wait_until_serving(self.url, self.proc)

    def stop(self) -> None:
        """Stop gracefully."""
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=20)

    def kill9(self) -> None:
        """Kill at once, as a crash would."""
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=20)

    def api(self, path: str) -> requests.Response:
        """GET from the node's API as its admin."""
        return requests.get(self.url + path, headers={"Authorization": f"Bearer {self.token}"}, timeout=HTTP_TIMEOUT)

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


def peer_nodes(a: LiveNode, b: LiveNode) -> None:
    """Peer two running nodes both ways: a adds b, then each approves the other."""
    a.cli("peer", "add", b.url)
    a.cli("peer", "approve", b.id)
    b.cli("peer", "approve", a.id)


def write_items(path: Path, *items: dict) -> Path:
    """A JSON Lines file of these items, for LiveNode.publish."""
    path.write_text("".join(json.dumps(i, ensure_ascii=False) + "\n" for i in items), encoding="utf-8")
    return path


def query(node, sql: str, *args) -> list[tuple]:
    """Rows from a node's own SQLite database."""
    with sqlite3.connect(node.home / "vidensnet.db") as db:
        return db.execute(sql, args).fetchall()


def queued_index_updates(home: Path) -> int:
    """How many search index updates the node in `home` has queued and not yet applied."""
    with sqlite3.connect(home / "vidensnet.db") as db:
        return db.execute("SELECT count(*) FROM index_tasks WHERE state = 'queued'").fetchone()[0]
