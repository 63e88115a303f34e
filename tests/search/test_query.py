"""Turning a request into Meilisearch's parameters, and its highlights into safe HTML."""

from __future__ import annotations

import pytest

from search.query import MARK_END, MARK_START, SearchRequest, safe_highlight, search_options


def marked(text: str) -> str:
    return text.replace("[", MARK_START).replace("]", MARK_END)


@pytest.mark.parametrize("formatted, shown", [
    ("[Bekymringssamtal]er i udskolingen", "<mark>Bekymringssamtaler</mark> i udskolingen"),
    ("Skole[fravær]et", "<mark>Skolefraværet</mark>"),
    ("[natteravne] og [SSP]", "<mark>natteravne</mark> og <mark>SSP</mark>"),
    ("<b>[fed]e</b>", "&lt;b&gt;<mark>fede</mark>&lt;/b&gt;"),
])
def test_highlights_cover_the_whole_word_and_stay_escaped(formatted, shown):
    assert str(safe_highlight(marked(formatted))) == shown


def test_sort_by_date_asks_for_the_newest_first_and_relevance_asks_for_no_order():
    assert search_options(SearchRequest("unge", sort="dato"), True)["sort"] == ["published_ts:desc"]
    assert "sort" not in search_options(SearchRequest("unge"), True)


@pytest.mark.parametrize("args, message", [({"sort": "alfabetisk"}, "sort:"), ({"page": "x"}, "page:")])
def test_a_bad_parameter_is_refused_naming_it(args, message):
    with pytest.raises(ValueError, match=message):
        SearchRequest.from_args(args)


def test_a_tag_filter_compares_the_normalised_tag():
    options = search_options(SearchRequest.from_args({"tag": "SKOLEFRAVÆR"}), False)
    assert 'tag_keys = "skolefravaer"' in options["filter"]
