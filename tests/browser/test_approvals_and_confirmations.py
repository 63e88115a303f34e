"""Four eyes and deliberate acts in a browser: two publishers and the approval queue; a retraction by keyboard only."""

from __future__ import annotations

import pytest
import requests

from tests.helpers.browser import axe_violations, describe_violations, log_in, new_context
from tests.helpers.live_nodes import HTTP_TIMEOUT
from tests.helpers.nodes import PASSWORD

BULLETIN = {"type": "bulletin", "title": "Uro ved stationen i Aarhus V", "summary": "Grupper af unge efter skoletid.",
            "police_districts": ["Østjyllands Politi"], "audience": "network"}


@pytest.fixture(scope="module")
def publishers(aarhus):
    """Two publishers of the node: the bulletin's author and the colleague who approves it."""
    for username in ("udgiver-a", "udgiver-b"):
        aarhus.add_user(username, "publisher", PASSWORD)
    return "udgiver-a", "udgiver-b"


def _submit_for_approval(node, username: str) -> str:
    # The author hands the bulletin over through the API (the editor's form is checked in tests/browser/test_pages).
    http = requests.Session()
    http.trust_env = False
    http.headers["Authorization"] = "Bearer " + node.api_token(username)
    created = http.post(node.url + "/api/v1/items", json=BULLETIN, timeout=HTTP_TIMEOUT)
    assert created.status_code == 201, created.text
    item_id = created.json()["id"]
    submitted = http.post(f"{node.url}/api/v1/items/{item_id}/submit", timeout=HTTP_TIMEOUT)
    assert submitted.status_code == 200, submitted.text
    return item_id


def _waiting_link(page):
    return page.locator(".account a", has_text="Godkendelser")


def test_a_second_publisher_finds_the_bulletin_in_the_queue_from_the_header_and_approves_it(browser, aarhus,
                                                                                            publishers):
    author_name, colleague_name = publishers
    item_id = _submit_for_approval(aarhus, author_name)
    author, colleague = new_context(browser), new_context(browser)
    log_in(author, aarhus.url, author_name, PASSWORD)
    log_in(colleague, aarhus.url, colleague_name, PASSWORD)
    own = author.new_page()
    own.goto(aarhus.url + "/godkendelser")
    assert _waiting_link(own).inner_text() == "Godkendelser (0)"  # four eyes: not one's own
    assert own.get_by_role("link", name=BULLETIN["title"]).count() == 0
    page = colleague.new_page()
    page.goto(aarhus.url + "/")
    assert _waiting_link(page).inner_text() == "Godkendelser (1)"
    _waiting_link(page).click()
    row = page.locator("table.approvals tr", has_text=BULLETIN["title"])
    assert author_name in row.inner_text() and "Østjyllands Politi" in row.inner_text()
    with page.expect_navigation():
        row.get_by_role("button", name=f"Godkend og udgiv »{BULLETIN['title']}«").click()
    page.goto(f"{aarhus.url}/items/{item_id}")
    facts = page.inner_text(".facts")
    assert "Status\nUdgivet\n" in facts and "Version\n1\n" in facts and "Godkendt af udgiver-b" in facts
    page.goto(aarhus.url + "/godkendelser")
    assert _waiting_link(page).inner_text() == "Godkendelser (0)"
    author.close()
    colleague.close()


def _tab_to(page, name: str, limit: int = 150) -> None:
    # Tab through the page as a keyboard user does, until the control with this accessible text has focus.
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement && document.activeElement.innerText.trim()") == name:
            return
    raise AssertionError(f"»{name}« was not reached with Tab in {limit} presses")


def test_a_retraction_is_confirmed_on_its_own_page_reached_and_done_by_keyboard_only(browser, aarhus, publishers):
    item_id = _submit_for_approval(aarhus, publishers[0])
    context = new_context(browser)
    log_in(context, aarhus.url, publishers[1], PASSWORD)
    page = context.new_page()
    page.goto(aarhus.url + "/godkendelser")
    with page.expect_navigation():
        page.get_by_role("button", name=f"Godkend og udgiv »{BULLETIN['title']}«").click()
    page.goto(f"{aarhus.url}/items/{item_id}")
    _tab_to(page, "Træk tilbage")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith("/tilbagetraek")
    assert "hos alle noder" in page.inner_text("main")  # says what happens across the network before it does
    _tab_to(page, "Ja, træk tilbage")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    gone = page.goto(f"{aarhus.url}/items/{item_id}")
    assert gone.status == 410 and "Trukket tilbage af Aarhus Kommune" in page.inner_text("main")
    assert not describe_violations(axe_violations(page)), describe_violations(axe_violations(page))
    context.close()
