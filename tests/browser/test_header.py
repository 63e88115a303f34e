"""The site header in Chromium: compact on a phone, its menu opens from the keyboard without JavaScript, and its
search box searches from every page but the search page."""

from __future__ import annotations

import pytest

from tests.helpers.browser import new_context, page_at

PHONE_WIDTH, PHONE_HEIGHT = 390, 844  # a common phone's window, in CSS pixels
KNALLERT = "/items/aarhus-kommune:knallertvaerkstedet-efter-knallerttyveri"


@pytest.fixture(scope="module")
def without_javascript(browser):
    """A browser profile with JavaScript switched off, as some municipal workplaces run it."""
    context = browser.new_context(java_script_enabled=False, locale="da-DK")
    yield context
    context.close()


def test_the_header_takes_less_than_a_fifth_of_a_phone_screen(browser, aarhus):
    context = new_context(browser)
    page = page_at(context, PHONE_WIDTH)
    page.set_viewport_size({"width": PHONE_WIDTH, "height": PHONE_HEIGHT})
    page.goto(aarhus.url + KNALLERT)
    height = page.locator(".site-header").bounding_box()["height"]
    context.close()
    assert height < PHONE_HEIGHT / 5, f"the header is {height:.0f}px of a {PHONE_HEIGHT}px screen"


def test_the_phone_menu_opens_and_closes_from_the_keyboard_without_javascript(without_javascript, aarhus):
    page = page_at(without_javascript, 320)
    page.goto(aarhus.url + "/")
    lists = page.get_by_role("link", name="Praksiseksempler", exact=True)
    assert not lists.is_visible()
    page.get_by_role("link", name="Menu", exact=True).focus()
    page.keyboard.press("Enter")
    assert lists.is_visible()
    page.keyboard.press("Tab")  # the menu is the target now: its first link is next in the tab order
    assert page.evaluate("document.activeElement.textContent") == "Forside"
    page.get_by_role("link", name="Luk menuen").click()
    assert not lists.is_visible()
    page.close()


def test_the_desktop_header_shows_the_navigation_without_a_menu_button(without_javascript, aarhus):
    page = page_at(without_javascript, 1280)
    page.goto(aarhus.url + "/")
    assert page.get_by_role("link", name="Praksiseksempler", exact=True).is_visible()
    assert not page.get_by_role("link", name="Menu", exact=True).is_visible()
    page.close()


def test_the_header_search_box_searches_from_an_item_page(without_javascript, aarhus):
    page = page_at(without_javascript, 1280)
    page.goto(aarhus.url + KNALLERT)
    page.get_by_role("searchbox", name="Søg").fill("bekymringssamtale")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/sog?q=bekymringssamtale" in page.url
    assert page.get_by_role("link", name="Bekymringssamtaler i udskolingen").count() == 1
    # On the search page its own search box is the only one.
    assert page.get_by_role("search").count() == 1
    page.close()


def test_the_language_switch_shows_english_and_remembers_it_until_switched_back(without_javascript, aarhus):
    page = page_at(without_javascript, 1280)
    page.goto(aarhus.url + KNALLERT)
    with page.expect_navigation():
        page.get_by_role("link", name="English", exact=True).click()
    assert page.url == aarhus.url + KNALLERT, "the switch went back to the page it was on"
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("link", name="Skip to content").count() == 1
    # The item itself stays in Danish, marked so for screen readers.
    assert page.locator("h1[lang=da], h1 [lang=da]").first.inner_text().startswith("Knallertværksted")
    page.goto(aarhus.url + "/praksis")
    assert page.locator("html").get_attribute("lang") == "en", "the choice is remembered on the next page"
    with page.expect_navigation():
        page.get_by_role("link", name="Dansk", exact=True).click()
    assert page.locator("html").get_attribute("lang") == "da"
    assert page.get_by_role("link", name="Spring til indholdet").count() == 1
    page.close()
