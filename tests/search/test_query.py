"""Turning a request into Meilisearch's parameters, and its highlights into safe HTML."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from markupsafe import Markup, escape

from search.query import (
    MARK_END,
    MARK_START,
    MATCHING_STRATEGIES,
    SearchRequest,
    meilisearch_query,
    query_shape,
    safe_highlight,
    search_options,
)


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


def two_pass_highlight(formatted: str) -> str:
    """The highlighting as first written (two left-to-right substitutions, then escaping): the reference."""
    formatted = re.sub(r"(\w+)" + MARK_START, lambda m: MARK_START + m.group(1), formatted)
    formatted = re.sub(MARK_END + r"(\w+)", lambda m: m.group(1) + MARK_END, formatted)
    return str(escape(formatted)).replace(MARK_START, "<mark>").replace(MARK_END, "</mark>")


@pytest.mark.parametrize("formatted", [
    "", "[", "]", "][", "a]b[c", "[[ab]]cd", "ab[cd]ef[gh]ij", "<&>\"'[x]", "æøå[ÆØÅ]æøå", "1_2[x]_3",
    "ab [ cd ] ef", "x" * 50 + "[y]" + "z" * 50, "a[b[c]d]e", "日本[語]です", "tag-7[x]-9", "Skole[fravær]et.",
    "<b>[fed]e</b>", "[natteravne] og [SSP]", "no marks & <tags>", "…[klub]…",
])
def test_highlights_are_what_the_two_pass_reference_makes_of_tricky_text(formatted):
    assert str(safe_highlight(marked(formatted))) == two_pass_highlight(marked(formatted))


@given(st.text(alphabet=st.sampled_from(["a", "æ", "1", "_", " ", "-", "<", "&", "'", MARK_START, MARK_END, "é", "日"]),
               max_size=40))
def test_highlights_are_what_the_two_pass_reference_makes_of_any_text(formatted):
    shown = safe_highlight(formatted)
    assert isinstance(shown, Markup) and str(shown) == two_pass_highlight(formatted)


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


@pytest.mark.parametrize("q, shape", [
    ("hvordan arbejder andre med bekymringssamtaler", "question"), ("Hvem kan hjælpe?", "question"),
    ("natteravne gellerup", "words"), ("natteravne", "word"), ("hvad", "question"), ("", "word"),
])
def test_a_query_is_a_question_by_its_first_word_or_its_question_mark(q, shape):
    assert query_shape(q) == shape


def test_each_shape_of_query_gets_its_own_matching_strategy():
    assert search_options(SearchRequest("hvordan arbejder andre med mentorer"), False)["matchingStrategy"] == \
        MATCHING_STRATEGIES["question"]
    assert search_options(SearchRequest("mentor unge"), False)["matchingStrategy"] == MATCHING_STRATEGIES["words"]


def test_the_words_sent_leave_out_stop_and_question_words():
    assert meilisearch_query(SearchRequest("Hvilke regler gælder for informationsudveksling?")) == \
        "regl gaeld informationsudveksling"
