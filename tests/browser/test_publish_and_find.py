"""Across the network in a browser: a method published through the editor on one node is found by search on its peer."""

from __future__ import annotations

import pytest

from tests.helpers.browser import log_in, new_context
from tests.helpers.live_nodes import LIVE_NODE_ENV, ChildNode, peer, wait_for
from tests.helpers.nodes import PASSWORD

TITLE = "Lommepengeværksted i Hasle"
SYNC_SECONDS = 45  # pull every 2 s (LIVE_NODE_ENV), then the peer's search index: seconds, but the CPU is shared


@pytest.fixture(scope="module")
def randers(tmp_path_factory, aarhus):
    """A second municipality's node, peered with Aarhus (the browser tier's demo node)."""
    node = ChildNode(tmp_path_factory.mktemp("browser-federation") / "randers", env=LIVE_NODE_ENV, ready_path="/")
    node.init("Randers Kommune", "municipality", municipality="0730")
    try:
        node.start()
        peer(aarhus, node)
        yield node
    finally:
        node.stop()


def _publish_method(context, url: str) -> None:
    page = context.new_page()
    page.goto(url + "/ny/method")
    page.fill("#f-title", TITLE)
    page.fill("#f-summary", "Unge i 8. klasse lærer at lægge budget og styre deres egne lommepenge.")
    page.fill("#f-body", "## Sådan gør vi\n\nKlubben og SSP holder værksted to aftener om ugen.")
    page.check("#aud-public")
    with page.expect_navigation():
        page.get_by_role("button", name="Gem og udgiv").click()
    assert page.locator(".flash").inner_text() == "Emnet er udgivet.", page.content()[:2000]
    page.close()


def _found_by_search(page, url: str) -> bool:
    page.goto(url + "/sog?q=lommepengeværksted")
    return page.get_by_role("link", name=TITLE).count() > 0


def test_a_method_published_in_the_editor_on_aarhus_is_found_by_the_search_page_on_randers(browser, aarhus, randers):
    author, reader = new_context(browser), new_context(browser)
    log_in(author, aarhus.url, "admin", PASSWORD)
    page = reader.new_page()
    assert not _found_by_search(page, randers.url), "Randers found the method before it was written"
    _publish_method(author, aarhus.url)
    wait_for(lambda: _found_by_search(page, randers.url), timeout=SYNC_SECONDS, interval=1,
             message=f"»{TITLE}« on the search page of Randers")
    page.get_by_role("link", name=TITLE).click()
    assert page.get_by_role("heading", level=1).inner_text() == TITLE
    author.close()
    reader.close()
