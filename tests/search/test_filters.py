"""Filter values in people's words, the chips of the chosen filters and the links that change them."""

from __future__ import annotations

from flask import Flask

from node.web.language import init_language
from search.filters import chosen_filters, facet_panel, link_args, value_words

ORIGINS = {"dkr": "Det Kriminalpræventive Råd"}


def test_values_get_danish_names_and_a_municipality_keeps_its_code_for_the_tooltip_only():
    assert value_words("type", "plan", ORIGINS) == ("Handleplan", "")
    assert value_words("type", "plan", ORIGINS, plural=True) == ("Handleplaner", "")
    assert value_words("municipality", "0751", ORIGINS) == ("Aarhus", "0751")
    assert value_words("origin", "dkr", ORIGINS) == ("Det Kriminalpræventive Råd", "")
    assert value_words("target_group", "unge voksne 18-25 år", ORIGINS) == ("Unge voksne 18-25 år", "")


def test_chips_follow_the_panels_order_whatever_the_urls_order():
    chips = chosen_filters({"year": "2025", "type": "method", "municipality": "0751"}, ORIGINS)
    assert [(c.filter_name, c.words) for c in chips] == [("Type", "Metode"), ("Kommune", "Aarhus"), ("År", "2025")]


def test_the_panel_keeps_a_chosen_value_without_hits_and_marks_it_chosen():
    [facet] = [f for f in facet_panel({"type": {"practice": 2}}, {"type": "method"}, ORIGINS) if f.param == "type"]
    assert [(c.words, c.count, c.chosen) for c in facet.choices] == [("Praksiseksempler", 2, False),
                                                                      ("Metoder", None, True)]


def test_links_keep_the_search_drop_what_is_removed_and_start_on_page_one():
    args = {"q": "unge", "type": "method", "municipality": "0751", "page": "3", "sort": "dato"}
    assert link_args(args, ("type",)) == {"q": "unge", "municipality": "0751", "sort": "dato"}
    assert link_args(args, page=2) == {"q": "unge", "type": "method", "municipality": "0751", "sort": "dato",
                                       "page": 2}


def test_filter_names_follow_the_interface_language_and_names_are_marked_danish():
    app = Flask(__name__)
    init_language(app)
    with app.test_request_context("/sog", headers={"Cookie": "sprog=en"}):
        chips = chosen_filters({"municipality": "0751", "year": "2025", "origin": "dkr"}, ORIGINS)
        assert [(c.filter_name, c.words, c.lang) for c in chips] == [
            ("Municipality", "Aarhus", "da"), ("Published by", "Det Kriminalpræventive Råd", "da"),
            ("Year", "2025", "")]
        [facet] = facet_panel({"origin": {"dkr": 1}}, {}, ORIGINS)
        assert facet.legend == "Published by"
    with app.test_request_context("/sog"):
        assert chosen_filters({"municipality": "0751"}, ORIGINS)[0].filter_name == "Kommune"
