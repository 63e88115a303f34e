"""Shared fixtures: a node's data directory, its app and users, and a real running node."""

from __future__ import annotations

import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, text

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from federation.identity import generate_node_key
from node.accounts.users import create_user
from node.web.app import create_app
from node.core.config import NodeSettings, load_config, write_settings
from node.core.db import make_engine, make_sessionmaker, upgrade_database
from node.items.publishing import ActingNode
from node.items.sinks import ItemSinks
from node.process import item_sinks

REPO = Path(__file__).resolve().parent.parent
DEMO_FILES = sorted((REPO / "node" / "demo").glob("*.jsonl"))
NODE_ID = "aarhus-kommune"
# Requests to live nodes: generous, because on a 2-core CI machine a node shares the CPU with
# its Meilisearch (indexing right after start) and the test runner; these tests check content, not speed.
HTTP_TIMEOUT = 30
PASSWORD = "korrekt-hest-batteri-clip"
ROLES = ("reader", "editor", "publisher", "admin")
# Service-level tests sign with this key; the app itself signs with the node's key file.
TEST_KEY = Ed25519PrivateKey.generate()


# The sinks a node process passes to the write path, signing with the test key.
SINKS: ItemSinks = item_sinks(TEST_KEY)


def acting_node(node_id: str = NODE_ID) -> ActingNode:
    """This node (`node_id`) acting on its own, for calling the publishing services directly."""
    return ActingNode(node_id, SINKS)


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


def csrf_token(html: str) -> str:
    """The CSRF token from the first form in a page."""
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "page has no CSRF token"
    return match.group(1)


def login(client, username: str, password: str = PASSWORD):
    """Log a test client in through the real login form."""
    token = csrf_token(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"username": username, "password": password, "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)
    return response


@pytest.fixture
def node_home(tmp_path: Path) -> Path:
    """A fresh municipality node (Aarhus) with its schema migrated."""
    home = tmp_path / "node"
    write_settings(home, NodeSettings(NODE_ID, "Aarhus Kommune", "municipality", "http://127.0.0.1:8080", "0751"))
    generate_node_key(home / "keys")
    upgrade_database(load_config(home).database_url)
    return home


@pytest.fixture
def config(node_home: Path):
    return load_config(node_home)


@pytest.fixture
def sessions(config):
    """A sessionmaker on the node's database."""
    return make_sessionmaker(make_engine(config.database_url))


@pytest.fixture
def app(config):
    """The node's Flask app, CSRF protection left on."""
    return create_app(config)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def users(sessions) -> dict[str, str]:
    """One user per role, named after the role, all with PASSWORD."""
    with sessions.begin() as session:
        for role in ROLES:
            create_user(session, role, PASSWORD, role, f"Test {role}")
    return {role: role for role in ROLES}


@pytest.fixture(scope="session")
def demo_node(tmp_path_factory) -> str:
    """A real `vidensnet run` process on 127.0.0.1 with the demo corpus imported; yields its URL."""
    home = tmp_path_factory.mktemp("demo") / "aarhus"
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    vidensnet(home, "init", "--name", "Aarhus Kommune", "--kind", "municipality", "--municipality", "0751", "--url", url)
    for path in DEMO_FILES:
        vidensnet(home, "import", str(path))
    vidensnet(home, "user", "add", "laeser", "--role", "reader", "--password-stdin", input=PASSWORD + "\n")
    log = (home / "run.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "node", "--home", str(home), "run", "--port", str(port)],
        stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        _wait_until_serving(url, proc)
        # Start from a settled node: its first indexing run has applied every queued update. (Serving pages
        # while that first run was under way can crash the node with heap corruption; see docs/known-issues.md.)
        wait_for(lambda: _queued_index_updates(home) == 0, timeout=60, message="first indexing run of the demo node")
        yield url
    finally:
        # A node that died while serving is a failure of its own, whatever the test saw.
        exited = proc.poll()
        proc.terminate()
        proc.wait(timeout=20)
        log.close()
    assert exited is None, f"the demo node exited with {exited} while the tests ran; see {home / 'run.log'}"


def _queued_index_updates(home: Path) -> int:
    with sqlite3.connect(home / "vidensnet.db") as db:
        return db.execute("SELECT count(*) FROM index_tasks WHERE state = 'queued'").fetchone()[0]


def _wait_until_serving(url: str, proc: subprocess.Popen, timeout: float = 30) -> None:
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


@pytest.fixture(scope="session")
def postgresql_server():
    """A throwaway PostgreSQL cluster on 127.0.0.1 (or VIDENSNET_TEST_POSTGRESQL_SERVER); yields a URL factory."""
    external = os.environ.get("VIDENSNET_TEST_POSTGRESQL_SERVER")
    if external:
        yield PostgreSQLServer(external)
        return
    bindir = _postgresql_bindir()
    if bindir is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL is not installed; deploy/test.sh installs it from Debian's packages")
        pytest.skip("PostgreSQL server binaries not found (apt-get install postgresql)")
    datadir = Path(tempfile.mkdtemp(prefix="vidensnet-pg-"))
    port = free_port()
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if as_postgres:
        shutil.chown(datadir, "postgres", "postgres")
    subprocess.run([*as_postgres, str(bindir / "initdb"), "-D", str(datadir / "data"), "-U", "postgres",
                    "--auth=trust", "-E", "UTF8", "--no-locale"], check=True, capture_output=True)
    subprocess.run([*as_postgres, str(bindir / "pg_ctl"), "-D", str(datadir / "data"), "-w", "-l", str(datadir / "log"),
                    "-o", f"-p {port} -k {datadir} -c listen_addresses=127.0.0.1 -c fsync=off", "start"],
                   check=True, capture_output=True)
    try:
        yield PostgreSQLServer(f"postgresql+psycopg://postgres@127.0.0.1:{port}")
    finally:
        subprocess.run([*as_postgres, str(bindir / "pg_ctl"), "-D", str(datadir / "data"), "-m", "immediate", "stop"],
                       capture_output=True)
        shutil.rmtree(datadir, ignore_errors=True)


class PostgreSQLServer:
    """Creates a fresh, empty database per test on one PostgreSQL server."""

    def __init__(self, base_url: str):
        self.base_url = base_url.rstrip("/")
        self.count = 0

    def new_database(self) -> str:
        """The URL of a newly created empty database."""
        self.count += 1
        name = f"vidensnet_test_{os.getpid()}_{self.count}"
        engine = create_engine(f"{self.base_url}/postgres", isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        engine.dispose()
        return f"{self.base_url}/{name}"


def _postgresql_bindir() -> Path | None:
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), reverse=True)
    return candidates[0].parent if candidates else None


class NodeProcess:
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
        _wait_until_serving(self.url, self.proc)

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
        import json

        return [json.loads(line) for line in self.cli("export").stdout.splitlines()]

    def publish(self, path: Path) -> None:
        """Publish a JSON Lines file as this node."""
        self.cli("import", str(path))


def peer_nodes(a: NodeProcess, b: NodeProcess) -> None:
    """Peer two running nodes both ways: a adds b, then each approves the other."""
    a.cli("peer", "add", b.url)
    a.cli("peer", "approve", b.id)
    b.cli("peer", "approve", a.id)


def wait_for(condition, timeout: float = 30, interval: float = 0.3, message: str = "condition"):
    """Poll until `condition()` is truthy; returns its value or fails the test."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(f"timed out after {timeout}s waiting for {message}")


@pytest.fixture(scope="module")
def four_nodes(tmp_path_factory):
    """Two municipalities of Østjyllands Politi, the district node and a national node, peered in a chain."""
    root = tmp_path_factory.mktemp("federation")
    nodes = {
        "aarhus": NodeProcess(root / "aarhus", "Aarhus Kommune", "municipality", municipality="0751"),
        "randers": NodeProcess(root / "randers", "Randers Kommune", "municipality", municipality="0730"),
        "politi": NodeProcess(root / "politi", "Østjyllands Politi", "police", district="Østjyllands Politi"),
        "dkr": NodeProcess(root / "dkr", "Det Kriminalpræventive Råd", "national"),
    }
    try:
        for node in nodes.values():
            node.start()
        for municipality in ("aarhus", "randers"):
            peer_nodes(nodes[municipality], nodes["politi"])
        peer_nodes(nodes["politi"], nodes["dkr"])
        yield nodes
    finally:
        for node in nodes.values():
            node.stop()


@pytest.fixture(scope="session")
def meilisearch_server(tmp_path_factory):
    """A real Meilisearch 1.21 process on 127.0.0.1 for the whole test session."""
    from search.process import ManagedMeilisearch

    server = ManagedMeilisearch(tmp_path_factory.mktemp("meilisearch"), "test-master-key-" + "x" * 16)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def search_index(meilisearch_server, request):
    """A fresh, configured index on the test Meilisearch, removed after the test."""
    from search.index import SearchIndex

    uid = "test_" + re.sub(r"[^a-z0-9]+", "_", request.node.name.lower())[:60]
    index = SearchIndex(meilisearch_server.url, meilisearch_server.master_key, uid)
    index.ensure()
    yield index
    index.drop(uid)
