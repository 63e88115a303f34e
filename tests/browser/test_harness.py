"""The browser tier's own checks can fail: axe-core names a broken element, the overflow check a too-wide one,
the English check a Danish word left in the interface."""

from __future__ import annotations

import urllib.parse

import pytest

from tests.helpers.browser import axe_violations, describe_violations, horizontal_overflow, new_context, page_at
from tests.helpers.danish_text import danish_leftovers

SOUND = ("<!doctype html><html lang='da'><head><title>Prøve</title></head>"
         "<body><main><h1>Prøve</h1>{}</main></body></html>")


@pytest.fixture(scope="module")
def profile(browser):
    context = new_context(browser)
    yield context
    context.close()


def _page(profile, body: str, width: int):
    page = page_at(profile, width)
    page.goto("data:text/html;charset=utf-8," + urllib.parse.quote(SOUND.format(body)))
    return page


def test_axe_violations_names_the_rule_its_impact_and_the_unlabelled_input(profile):
    page = _page(profile, "<form><input id='uden-etiket'></form>", 1280)
    violations = axe_violations(page)
    assert [(v["id"], v["impact"], v["targets"]) for v in violations] == [("label", "critical", ["#uden-etiket"])]
    assert "#uden-etiket" in describe_violations(violations)


def test_axe_violations_finds_nothing_on_a_sound_page(profile):
    assert axe_violations(_page(profile, "<p>Alt er i orden.</p>", 1280)) == []


def test_horizontal_overflow_names_the_element_wider_than_a_phone(profile):
    page = _page(profile, "<div id='bred' style='width: 500px'>Bred boks</div>", 320)
    overflow = horizontal_overflow(page)
    assert overflow[0].startswith("the page is ") and "in a 320px window" in overflow[0]
    assert any(line.startswith("div#bred reaches ") for line in overflow[1:])


def test_horizontal_overflow_is_empty_when_the_page_fits(profile):
    assert horizontal_overflow(_page(profile, "<p>Smal tekst.</p>", 320)) == []


def test_danish_leftovers_finds_danish_interface_text_and_attributes():
    assert danish_leftovers("<h1>Items</h1><p>Udgivet af</p>") == ["Udgivet af"]
    assert danish_leftovers('<input type="search" placeholder="Søg her">') == ["Søg her"]
    assert danish_leftovers('<button type="submit" value="gem">Save</button>') == ["gem"]


def test_danish_leftovers_passes_content_marked_danish_and_what_no_one_reads():
    assert danish_leftovers('<p>Published by <span lang="da">Aarhus Kommune og Randers</span></p>') == []
    assert danish_leftovers('<article lang="da"><h2>Tryghed</h2><br><p>for unge og forældre</p></article>') == []
    assert danish_leftovers('<input type="hidden" name="x" value="og"><script>let og = 1</script>') == []
    named = '<title>Pulls from Østjyllands Politi</title><h1>Pulls from <span lang="da">Østjyllands Politi</span></h1>'
    assert danish_leftovers(named) == []
    assert danish_leftovers("<title>Træk tilbage</title><p>Retract</p>") == ["Træk tilbage"]
