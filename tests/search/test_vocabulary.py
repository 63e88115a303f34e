"""The field's words for search: stop and question words, the synonym file and the age ranges."""

from __future__ import annotations

import re

import pytest

from search.vocabulary import (
    SYNONYMS_FILE,
    content_terms,
    content_words,
    index_stop_words,
    read_synonyms,
    stop_words,
    synonyms,
)


def test_a_question_keeps_only_the_words_that_say_what_it_is_about():
    assert content_words("Hvordan arbejder andre med bekymringssamtaler?") == ["arbejder", "bekymringssamtaler"]
    assert content_terms("hvem kan hjælpe en ung ud af en bande") == "hjaelp ung band"


def test_a_query_of_only_stop_words_is_sent_whole():
    assert content_words("hvad er det") == ["hvad", "er", "det"]


def test_snowballs_list_is_shipped_whole_and_the_index_also_gets_the_stemmed_forms():
    assert len(stop_words()) == 94 and {"og", "også", "være", "sådan"} <= stop_words()
    assert {"ogsaa", "vaer"} <= set(index_stop_words())


def test_same_entries_find_each_other_and_one_way_entries_do_not_find_back():
    table = synonyms()
    assert "kriminalpraeventiv raad" in table["dkr"] and "dkr" in table["kriminalpraeventiv raad"]
    assert "kommun landsforening" in table["kl"] and "kl" not in table.get("kommun landsforening", [])
    assert "gadeteam" in table["street team"] and "street team" not in table["gadeteam"]


def test_an_age_range_finds_the_target_group_that_holds_it_and_not_the_reverse():
    table = synonyms()
    assert table["1517"] == ["1317"] and table["1922"] == ["1825"]
    assert "1317" not in table and "1825" not in table


def test_every_entry_of_the_synonym_file_has_a_comment_saying_what_it_is():
    blocks = re.split(r"^\[\[(?:same|one_way)\]\]\n", SYNONYMS_FILE.read_text(encoding="utf-8"), flags=re.M)[1:]
    uncommented = [block.splitlines()[0] for block in blocks if not block.startswith("#")]
    assert uncommented == []


@pytest.mark.parametrize("text, reason", [
    ('[[same]]\nwords = ["dkr"]\n', "[[same]] entry 1: words: needs two or more words"),
    ('[[same]]\nwords = ["a", "b"]\n[[one_way]]\nsearch = "x"\n', "[[one_way]] entry 1: needs search and finds"),
])
def test_a_bad_entry_is_refused_naming_the_entry_and_the_reason(text, reason):
    with pytest.raises(ValueError, match=re.escape(reason)):
        read_synonyms(text)


def test_a_name_of_several_words_is_also_found_as_written_up_to_its_first_stop_word():
    assert synonyms()["ncfe"] == ["nationalt cent forebyg ekstremism", "nationalt center"]
    assert "kriminalpræventive råd" in synonyms()["dkr"]
