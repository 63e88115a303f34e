"""Every kind of page of a live node, in Chromium: no WCAG 2.1 AA violation at 1280 px, no sideways scroll at 320 px.

The pages are one table (PAGES): a new page is one line there, with who must be logged in to see it and,
for a page reached by acting on another, what the browser does first.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from tests.helpers.browser import (axe_violations, describe_violations, horizontal_overflow, log_in, new_context,
                                   page_at)
from tests.helpers.live_nodes import DEMO_FILES, LiveNode
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
def node(tmp_path_factory):
    """A running municipality node with the demo corpus, an admin and an editor."""
    live = LiveNode(tmp_path_factory.mktemp("browser") / "aarhus", "Aarhus Kommune", "municipality",
                    municipality="0751")
    for path in DEMO_FILES:
        live.publish(path)
    live.add_user("redaktoer", "editor", PASSWORD)
    live.start()
    yield live
    live.stop()


@pytest.fixture(scope="module")
def profiles(browser, node):
    """A browser profile per kind of visitor: nobody logged in, the editor and the admin."""
    made = {None: new_context(browser), "editor": new_context(browser), "admin": new_context(browser)}
    log_in(made["editor"], node.url, "redaktoer", PASSWORD)
    log_in(made["admin"], node.url, "admin", PASSWORD)
    yield made
    for context in made.values():
        context.close()


def _open(profiles, node, screen: Screen, width: int):
    page = page_at(profiles[screen.user], width)
    response = page.goto(node.url + screen.path)
    expected = 404 if screen.name == "side-findes-ikke" else 200
    assert response.status == expected, f"{screen.path} answered {response.status}"
    if screen.then:
        screen.then(page)
    return page


@pytest.mark.parametrize("screen", _params())
def test_page_has_no_wcag_violations_on_a_desktop_screen(profiles, node, screen):
    page = _open(profiles, node, screen, DESKTOP)
    violations = axe_violations(page)
    page.close()
    assert not violations, f"{screen.path}:\n{describe_violations(violations)}"


@pytest.mark.parametrize("screen", _params())
def test_page_fits_a_320_px_phone_without_sideways_scrolling(profiles, node, screen):
    page = _open(profiles, node, screen, PHONE)
    overflow = horizontal_overflow(page)
    page.close()
    assert not overflow, f"{screen.path}:\n" + "\n".join(overflow)
