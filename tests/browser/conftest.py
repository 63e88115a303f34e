"""The browser tier: real pages of real nodes in Debian's Chromium, checked with axe-core."""

from __future__ import annotations

import html

import pytest
import requests

from tests.helpers.browser import browser  # noqa: F401  (the session-wide Chromium fixture)
from tests.helpers.live_nodes import DEMO_FILES, HTTP_TIMEOUT, LIVE_NODE_ENV, ChildNode, queued_index_updates, wait_for
from tests.helpers.nodes import PASSWORD


@pytest.fixture(scope="package")
def aarhus(tmp_path_factory):
    """A running municipality node with the demo corpus, an admin (`admin`) and an editor (`redaktoer`)."""
    root = tmp_path_factory.mktemp("browser")
    node = ChildNode(root / "aarhus", env=LIVE_NODE_ENV, ready_path="/")
    node.init("Aarhus Kommune", "municipality", municipality="0751")
    # One import of the whole corpus: each CLI call starts an interpreter, seconds on a busy machine.
    corpus = root / "demo.jsonl"
    corpus.write_text("".join(path.read_text(encoding="utf-8") for path in DEMO_FILES), encoding="utf-8")
    node.cli("import", str(corpus))
    node.add_user("admin", "admin", PASSWORD)
    node.add_user("redaktoer", "editor", PASSWORD)
    node.start()
    # The node indexes its corpus after it starts (searching the database until its Meilisearch answers);
    # the pages are checked once every item is in the index and the search page finds them there.
    wait_for(lambda: queued_index_updates(node.home) == 0
             and "udskolingen" in _text(node.url + "/sog?q=bekymringssamtale"),
             timeout=90, interval=0.5, message="the demo corpus in the search index")
    yield node
    node.stop()


def _text(url: str) -> str:
    session = requests.Session()
    session.trust_env = False  # straight to 127.0.0.1, whatever http_proxy says
    return html.unescape(session.get(url, timeout=HTTP_TIMEOUT).text)
