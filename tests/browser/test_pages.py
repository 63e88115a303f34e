"""Every kind of page of a live node in Chromium: no WCAG 2.1 AA violation at 1280 px nor at 320 px, and no
sideways scrolling at 320 px.

The pages are one table (PAGES): a new page is one line there, with who must be logged in to see it, for a
page reached by acting on another what the browser does first, and any check known to fail because of markup
in a template this tier does not own (an expected failure naming the element; strict, so a fix shows).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest

from tests.helpers.browser import (
    SCREEN_HEIGHT,
    axe_violations,
    describe_violations,
    horizontal_overflow,
    log_in,
    new_context,
    page_at,
)
from tests.helpers.nodes import PASSWORD

DESKTOP, PHONE = 1280, 320
KNALLERT = "/items/aarhus-kommune:knallertvaerkstedet-efter-knallerttyveri"
BULLETIN = "/items/aarhus-kommune:knallerttyveri-aarhus-vest-efteraar-2026"


def _submit_empty_form(page) -> None:
    with page.expect_navigation():
        page.locator(".item-form button[value=save]").click()
    assert page.locator(".form-error").is_visible(), "the empty editor form was saved without errors"


DESKTOP_WCAG, PHONE_WCAG, PHONE_FITS = "wcag-1280", "wcag-320", "fits-320"


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


def _params(check: str) -> list:
    return [pytest.param(s, id=s.name, marks=[pytest.mark.xfail(strict=True, reason=s.known[check])]
                         if check in s.known else []) for s in PAGES]


@pytest.fixture(scope="module")
def profiles(browser, aarhus):
    """A browser profile per kind of visitor: nobody logged in, the editor and the admin."""
    made = {None: new_context(browser), "editor": new_context(browser), "admin": new_context(browser)}
    log_in(made["editor"], aarhus.url, "redaktoer", PASSWORD)
    log_in(made["admin"], aarhus.url, "admin", PASSWORD)
    yield made
    for context in made.values():
        context.close()


@pytest.fixture(scope="module")
def findings(profiles, aarhus):
    """What each check found on each page, by page name; every page is loaded once, on its first check."""
    found: dict[str, dict[str, str]] = {}

    def on(screen: Screen) -> dict[str, str]:
        if screen.name not in found:
            found[screen.name] = _check(profiles[screen.user], aarhus.url, screen)
        return found[screen.name]

    return on


def _check(profile, url: str, screen: Screen) -> dict[str, str]:
    # axe-core on the desktop layout, then the same page narrowed to a phone: its layout and axe-core again.
    page = page_at(profile, DESKTOP)
    response = page.goto(url + screen.path)
    assert response.status == (404 if screen.name == "side-findes-ikke" else 200), f"{screen.path}: {response.status}"
    if screen.then:
        screen.then(page)
    desktop = describe_violations(axe_violations(page))
    page.set_viewport_size({"width": PHONE, "height": SCREEN_HEIGHT})
    fits = "\n".join(horizontal_overflow(page))
    phone = describe_violations(axe_violations(page))
    page.close()
    return {DESKTOP_WCAG: desktop, PHONE_FITS: fits, PHONE_WCAG: phone}


@pytest.mark.parametrize("screen", _params(DESKTOP_WCAG))
def test_page_has_no_wcag_violations_at_1280_px(findings, screen):
    assert not findings(screen)[DESKTOP_WCAG], f"{screen.path}:\n{findings(screen)[DESKTOP_WCAG]}"


@pytest.mark.parametrize("screen", _params(PHONE_FITS))
def test_page_fits_a_320_px_phone_without_sideways_scrolling(findings, screen):
    assert not findings(screen)[PHONE_FITS], f"{screen.path}:\n{findings(screen)[PHONE_FITS]}"


@pytest.mark.parametrize("screen", _params(PHONE_WCAG))
def test_page_has_no_wcag_violations_at_320_px(findings, screen):
    assert not findings(screen)[PHONE_WCAG], f"{screen.path}:\n{findings(screen)[PHONE_WCAG]}"
