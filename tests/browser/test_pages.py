"""Every kind of page of a live node in Chromium, in Danish and in English: no WCAG 2.1 AA violation at 1280 px
nor at 320 px, no sideways scrolling at 320 px, and in English no Danish interface text left.

The pages are one table (PAGES): a new page is one line there, with who must be logged in to see it, for a
page reached by acting on another what the browser does first, and any check known to fail because of markup
in a template this tier does not own (an expected failure naming the element; strict, so a fix shows).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest

from node.web.language import COOKIE
from tests.helpers.browser import (
    SCREEN_HEIGHT,
    axe_violations,
    describe_violations,
    horizontal_overflow,
    log_in,
    new_context,
    page_at,
)
from tests.helpers.danish_text import danish_leftovers
from tests.helpers.nodes import PASSWORD

DESKTOP, PHONE = 1280, 320
KNALLERT = "/items/aarhus-kommune:knallertvaerkstedet-efter-knallerttyveri"
BULLETIN = "/items/aarhus-kommune:knallerttyveri-aarhus-vest-efteraar-2026"


def _submit_empty_form(page) -> None:
    with page.expect_navigation():
        page.locator(".item-form button[value=save]").click()
    assert page.locator(".form-error").is_visible(), "the empty editor form was saved without errors"


DESKTOP_WCAG, PHONE_WCAG, PHONE_FITS, ENGLISH_ONLY = "wcag-1280", "wcag-320", "fits-320", "english-only"
LANGUAGES = ("da", "en")


@dataclass(frozen=True)
class Screen:
    """A page to check: its path, who is logged in (None: nobody) and what the browser does there first."""

    name: str
    path: str
    user: str | None = None
    then: Callable | None = None
    known: dict[str, str] = field(default_factory=dict)  # check -> the element at fault, for an expected failure


PAGES = [
    Screen("forside", "/"),
    Screen("forside-administrator", "/", "admin"),
    Screen("praksiseksempler", "/praksis"),
    Screen("metoder", "/metoder"),
    Screen("tendensbulletiner", "/bulletiner", "admin"),
    Screen("handleplaner", "/planer"),
    Screen("vejledninger", "/vejledninger"),
    Screen("emne", KNALLERT),
    Screen("tendensbulletin", BULLETIN, "admin"),
    Screen("soegning-med-resultater", "/sog?q=bekymringssamtale"),
    Screen("soegning-uden-resultater", "/sog?q=zxqvjkfintetfund"),
    Screen("log-ind", "/login"),
    Screen("nyt-emne", "/ny/practice", "editor"),
    Screen("nyt-emne-med-fejl", "/ny/practice", "editor", then=_submit_empty_form),
    Screen("konto", "/konto", "editor"),
    Screen("administration", "/admin/", "admin"),
    Screen("brugere", "/admin/brugere", "admin"),
    Screen("logbog", "/admin/logbog", "admin"),
    Screen("godkendelser", "/godkendelser", "admin"),
    Screen("netvaerksbillede", "/admin/netvaerk", "admin"),
    Screen("bekraeft-tilbagetraekning", KNALLERT + "/tilbagetraek", "admin"),
    Screen("tilgaengelighedserklaering", "/tilgaengelighed"),
    Screen("side-findes-ikke", "/findes-ikke"),
]


def _params(check: str, languages: tuple[str, ...] = LANGUAGES) -> list:
    return [pytest.param(s, language, id=f"{language}-{s.name}",
                         marks=[pytest.mark.xfail(strict=True, reason=s.known[check])] if check in s.known else [])
            for language in languages for s in PAGES]


@pytest.fixture(scope="module")
def profiles(browser, aarhus):
    """A browser profile per kind of visitor and language: nobody logged in, the editor and the admin."""
    made = {}
    for language in LANGUAGES:
        for user, username in ((None, None), ("editor", "redaktoer"), ("admin", "admin")):
            context = made[user, language] = new_context(browser)
            # The choice the header's switch stores (tests/browser/test_header.py clicks the switch itself).
            context.add_cookies([{"name": COOKIE, "value": language, "url": aarhus.url}])
            if username:
                log_in(context, aarhus.url, username, PASSWORD)
    yield made
    for context in made.values():
        context.close()


@pytest.fixture(scope="module")
def findings(profiles, aarhus):
    """What each check found on each page in each language; every page is loaded once, on its first check."""
    found: dict[tuple[str, str], dict[str, str]] = {}

    def on(screen: Screen, language: str) -> dict[str, str]:
        if (screen.name, language) not in found:
            found[screen.name, language] = _check(profiles[screen.user, language], aarhus.url, screen, language)
        return found[screen.name, language]

    return on


def _check(profile, url: str, screen: Screen, language: str) -> dict[str, str]:
    # axe-core on the desktop layout, then the same page narrowed to a phone: its layout and axe-core again.
    page = page_at(profile, DESKTOP)
    response = page.goto(url + screen.path)
    assert response.status == (404 if screen.name == "side-findes-ikke" else 200), f"{screen.path}: {response.status}"
    if screen.then:
        screen.then(page)
    desktop = describe_violations(axe_violations(page))
    leftovers = ""
    if language == "en":
        shown_in = page.locator("html").get_attribute("lang")
        leftovers = "\n".join(danish_leftovers(page.content())) if shown_in == "en" else f"shown in {shown_in!r}"
    page.set_viewport_size({"width": PHONE, "height": SCREEN_HEIGHT})
    fits = "\n".join(horizontal_overflow(page))
    phone = describe_violations(axe_violations(page))
    page.close()
    return {DESKTOP_WCAG: desktop, PHONE_FITS: fits, PHONE_WCAG: phone, ENGLISH_ONLY: leftovers}


@pytest.mark.parametrize(("screen", "language"), _params(DESKTOP_WCAG))
def test_page_has_no_wcag_violations_at_1280_px(findings, screen, language):
    assert not findings(screen, language)[DESKTOP_WCAG], f"{screen.path}:\n{findings(screen, language)[DESKTOP_WCAG]}"


@pytest.mark.parametrize(("screen", "language"), _params(PHONE_FITS))
def test_page_fits_a_320_px_phone_without_sideways_scrolling(findings, screen, language):
    assert not findings(screen, language)[PHONE_FITS], f"{screen.path}:\n{findings(screen, language)[PHONE_FITS]}"


@pytest.mark.parametrize(("screen", "language"), _params(PHONE_WCAG))
def test_page_has_no_wcag_violations_at_320_px(findings, screen, language):
    assert not findings(screen, language)[PHONE_WCAG], f"{screen.path}:\n{findings(screen, language)[PHONE_WCAG]}"


@pytest.mark.parametrize(("screen", "language"), _params(ENGLISH_ONLY, ("en",)))
def test_english_page_is_in_english_apart_from_the_danish_content(findings, screen, language):
    found = findings(screen, language)[ENGLISH_ONLY]
    assert not found, f"{screen.path}: Danish interface text on the English page:\n{found}"
