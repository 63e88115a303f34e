"""Suggestions' spelling candidates (the page's suggestions run against Meilisearch in test_views.py)."""

from __future__ import annotations

from search.danish import is_word
from search.suggestions import one_edit_away


def test_one_edit_away_holds_each_kind_of_slip_and_not_the_word_itself():
    near = one_edit_away("unge")
    assert {"ung", "ugne", "unger", "ulge"} <= near and "unge" not in near
    assert "unge" in one_edit_away("ugne") and "natteravne" in one_edit_away("natteravme")


def test_only_danish_words_are_candidates():
    assert "unge" in set(filter(is_word, one_edit_away("ugne")))
    assert "ugnx" not in set(filter(is_word, one_edit_away("ugne")))
