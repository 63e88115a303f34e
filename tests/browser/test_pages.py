"""Every kind of page of a live node in Chromium: no WCAG 2.1 AA violation at 1280 px, no sideways scroll at 320 px.

The pages are one table (PAGES): a new page is one line there, with who must be logged in to see it and,
for a page reached by acting on another, what the browser does first.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from tests.helpers.browser import (SCREEN_HEIGHT, axe_violations, describe_violations, horizontal_overflow, log_in,
                                   new_context, page_at)
from tests.helpers.nodes import PASSWORD

DESKTOP, PHONE = 1280, 320
KNALLERT = "/items/aarhus-kommune:knallertvaerkstedet-efter-knallerttyveri"
BULLETIN = "/items/aarhus-kommune:knallerttyveri-aarhus-vest-efteraar-2026"


def _submit_empty_form(page) -> None:
    with page.expect_navigation():
        page.locator(".item-form button[value=save]").click()
    assert page.locator(".form-error").is_visible(), "the empty editor form was saved without errors"


@dataclass(frozen=True)
class Screen:
    """A page to check: its path, who is logged in (None: nobody) and what the browser does there first."""

    name: str
    path: str
    user: str | None = None
    then: Callable | None = None
    xfail: str | None = None  # the element at fault when its markup lives in a template this tier cannot fix


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
    Screen("side-findes-ikke", "/findes-ikke"),
]


def _params() -> list:
    return [pytest.param(s, id=s.name, marks=[pytest.mark.xfail(strict=True, reason=s.xfail)] if s.xfail else [])
            for s in PAGES]


@pytest.fixture(scope="module")
def profiles(browser, aarhus):
    """A browser profile per kind of visitor: nobody logged in, the editor and the admin."""
    made = {None: new_context(browser), "editor": new_context(browser), "admin": new_context(browser)}
    log_in(made["editor"], aarhus.url, "redaktoer", PASSWORD)
    log_in(made["admin"], aarhus.url, "admin", PASSWORD)
    yield made
    for context in made.values():
        context.close()


@pytest.mark.parametrize("screen", _params())
def test_page_has_no_wcag_violations_at_1280_px_and_no_sideways_scrolling_at_320_px(profiles, aarhus, screen):
    # One load per page: axe-core on the desktop layout, then the same page narrowed to a phone's width.
    page = page_at(profiles[screen.user], DESKTOP)
    response = page.goto(aarhus.url + screen.path)
    assert response.status == (404 if screen.name == "side-findes-ikke" else 200), f"{screen.path}: {response.status}"
    if screen.then:
        screen.then(page)
    violations = axe_violations(page)
    page.set_viewport_size({"width": PHONE, "height": SCREEN_HEIGHT})
    overflow = horizontal_overflow(page)
    page.close()
    problems = ([f"axe-core at {DESKTOP} px:\n{describe_violations(violations)}"] if violations else []) + (
        [f"sideways scrolling at {PHONE} px:\n" + "\n".join(overflow)] if overflow else [])
    assert not problems, f"{screen.path}\n" + "\n".join(problems)
