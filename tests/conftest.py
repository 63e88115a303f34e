"""Shared fixtures: a node's data directory, its app and users, and a real running node."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from node.accounts import create_user
from node.app import create_app
from node.config import NodeSettings, load_config, write_settings
from node.db import make_engine, make_sessionmaker, upgrade_database

REPO = Path(__file__).resolve().parent.parent
DEMO_FILES = sorted((REPO / "node" / "demo").glob("*.jsonl"))
NODE_ID = "aarhus-kommune"
PASSWORD = "korrekt-hest-batteri-clip"
ROLES = ("reader", "editor", "publisher", "admin")


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
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()


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
