"""Shared fixtures: a node's data directory, its app and users, real running nodes, PostgreSQL and Meilisearch.

The helpers these fixtures are built from, and that tests use directly, are in tests/helpers/.
"""

from __future__ import annotations

import functools
import os
import re
from pathlib import Path

import pytest
from werkzeug.security import generate_password_hash

import node.accounts.users
from federation.identity import generate_node_key
from node.accounts.users import create_user
from node.core.config import NodeSettings, load_config, write_settings
from node.core.db import make_engine, make_sessionmaker
from node.web.app import create_app
from tests.helpers.feed_server import FeedServer
from tests.helpers.live_nodes import DEMO_FILES, ChildNode, LiveNode, peer, stop_all
from tests.helpers.missing_tools import require_installed
from tests.helpers.nodes import NODE_ID, PASSWORD, ROLES
from tests.helpers.openid_provider import openid_provider  # noqa: F401  (the session's OpenID provider)
from tests.helpers.postgresql import PostgreSQLServer, postgresql_bindir, throwaway_cluster
from tests.helpers.saml_idp import simplesamlphp  # noqa: F401  (the session-wide SAML IdP fixture)
from tests.helpers.schema_template import SchemaTemplate
from tests.helpers.web import api_tokens


@pytest.fixture(scope="session")
def schema_template(tmp_path_factory) -> SchemaTemplate:
    """The session's migrated SQLite database, copied for each fresh node (tests/helpers/schema_template.py)."""
    return SchemaTemplate(tmp_path_factory.mktemp("schema"))


@pytest.fixture
def node_home(tmp_path: Path, schema_template: SchemaTemplate) -> Path:
    """A fresh municipality node (Aarhus) with its schema migrated."""
    home = tmp_path / "node"
    write_settings(home, NodeSettings(NODE_ID, "Aarhus Kommune", "municipality", "http://127.0.0.1:8080", "0751"))
    generate_node_key(home / "keys")
    schema_template.migrate(load_config(home).database_url)
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


# Hashing a password takes werkzeug's scrypt about 0.2 s, and some 300 tests start with four users of the
# same password: the fixture hashes it once per session. Each user's hash is still a real scrypt hash that
# every login checks; only the salt is shared among the fixture's users.
_hash_of_password = functools.cache(generate_password_hash)


@pytest.fixture
def users(sessions) -> dict[str, str]:
    """One user per role, named after the role, all with PASSWORD."""
    with pytest.MonkeyPatch.context() as patch, sessions.begin() as session:
        patch.setattr(node.accounts.users, "generate_password_hash", _hash_of_password)
        for role in ROLES:
            create_user(session, role, PASSWORD, role, f"Test {role}")
    return {role: role for role in ROLES}


@pytest.fixture
def two_publishers(sessions, users):
    """The users, and a second publisher (udgiver2) to approve bulletins."""
    with sessions.begin() as session:
        create_user(session, "udgiver2", PASSWORD, "publisher", "Anden Udgiver")


@pytest.fixture
def tokens(sessions, users) -> dict[str, str]:
    """A bearer token per role."""
    return api_tokens(sessions)


@pytest.fixture
def feeds():
    """A real HTTP server on 127.0.0.1 serving the feed documents a test puts on it."""
    with FeedServer() as server:
        yield server


@pytest.fixture(scope="session")
def demo_node(tmp_path_factory) -> str:
    """A real `vidensnet run` process on 127.0.0.1 with the demo corpus imported; yields its URL."""
    node = ChildNode(tmp_path_factory.mktemp("demo") / "aarhus", ready_path="/")
    node.init("Aarhus Kommune", "municipality", municipality="0751")
    for path in DEMO_FILES:
        node.cli("import", str(path))
    node.add_user("laeser", "reader", PASSWORD)
    try:
        node.start()
        yield node.url
    finally:
        # A node that died while serving is a failure of its own, whatever the test saw.
        exited = node.proc.poll() if node.proc else None
        node.stop()
    assert exited is None, (f"the demo node exited with {exited} while the tests ran; "
                            f"the end of {node.log_path}:\n{node.log()}")


@pytest.fixture(scope="session")
def postgresql_server():
    """A throwaway PostgreSQL cluster on 127.0.0.1 (or VIDENSNET_TEST_POSTGRESQL_SERVER); yields a URL factory."""
    external = os.environ.get("VIDENSNET_TEST_POSTGRESQL_SERVER")
    if external:
        yield PostgreSQLServer(external)
        return
    bindir = postgresql_bindir()
    require_installed(None if bindir else "PostgreSQL is not installed; deploy/test.sh installs it from Debian's "
                      "packages")
    with throwaway_cluster(bindir) as base_url:
        yield PostgreSQLServer(base_url)


@pytest.fixture(scope="module")
def four_nodes(tmp_path_factory):
    """Two municipalities of Østjyllands Politi, the district node and a national node, peered in a chain."""
    root = tmp_path_factory.mktemp("federation")
    nodes = {
        "aarhus": LiveNode(root / "aarhus", "Aarhus Kommune", "municipality", municipality="0751"),
        "randers": LiveNode(root / "randers", "Randers Kommune", "municipality", municipality="0730"),
        "politi": LiveNode(root / "politi", "Østjyllands Politi", "police", district="Østjyllands Politi"),
        "dkr": LiveNode(root / "dkr", "Det Kriminalpræventive Råd", "national"),
    }
    try:
        for node in nodes.values():
            node.start()
        for municipality in ("aarhus", "randers"):
            peer(nodes[municipality], nodes["politi"])
        peer(nodes["politi"], nodes["dkr"])
        yield nodes
    finally:
        stop_all(nodes.values())


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
