"""What the search page offers when a query finds nothing or very little: a corrected query, or its words alone.

Every count comes from Meilisearch with the viewer's own audience filter and the request's filters, so a
suggestion never tells anyone about an item they may not see.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from search.danish import is_word
from search.index import SearchIndex, SearchUnavailable
from search.query import SearchRequest, search_options
from search.vocabulary import content_terms, content_words

SUGGEST_BELOW = 3  # results: with this many or more the page offers nothing else
MAX_CANDIDATES = 20  # spellings tried per unknown word, in one multi-search
ALPHABET = "abcdefghijklmnopqrstuvwxyzæøå"


@dataclass(frozen=True)
class Suggestions:
    """"Mente du …?": the query with unknown words corrected, and what it finds; and each word alone, with its count."""

    corrected: str | None = None
    corrected_total: int = 0
    words: tuple[tuple[str, int], ...] = ()


def suggest(index: SearchIndex | None, request: SearchRequest, logged_in: bool, total: int) -> Suggestions | None:
    """Suggestions for a query that found fewer than SUGGEST_BELOW results; None when there is nothing to offer."""
    words = content_words(request.q)
    if index is None or total >= SUGGEST_BELOW or not words:
        return None
    options = {"filter": search_options(request, logged_in)["filter"]}
    try:
        alone = index.count_each([content_terms(word) for word in words], options)
        corrected = _corrected(request.q, _spellings(index, words, alone, options))
        corrected_total = index.count_each([content_terms(corrected)], options)[0] if corrected else 0
    except SearchUnavailable:
        return None
    offered = Suggestions(corrected if corrected_total > total else None, corrected_total,
                          tuple((w, n) for w, n in zip(words, alone, strict=True) if n) if len(words) > 1 else ())
    return offered if offered.corrected or offered.words else None


def _spellings(index: SearchIndex, words: list[str], alone: list[int], options: dict) -> dict[str, str]:
    """For each word that finds nothing alone, the spelling one edit away that finds most, if any finds anything."""
    found = {}
    for word, count in zip(words, alone, strict=True):
        candidates = [] if count else sorted(filter(is_word, one_edit_away(word)))[:MAX_CANDIDATES]
        best_count, best = max(zip(index.count_each([content_terms(c) for c in candidates], options), candidates),
                               default=(0, word))
        if best_count:
            found[word] = best
    return found


def _corrected(query: str, spellings: dict[str, str]) -> str | None:
    """The query as typed, with the corrected words put in place of the unknown ones."""
    corrected = query
    for word, spelling in spellings.items():
        corrected = re.sub(rf"(?<!\w){re.escape(word)}(?!\w)", spelling, corrected, flags=re.IGNORECASE)
    return corrected if spellings else None


def one_edit_away(word: str) -> set[str]:
    """Every string one deletion, swap of neighbours, replacement or insertion away from the word."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    deletes = {a + b[1:] for a, b in splits if b}
    swaps = {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    replaces = {a + c + b[1:] for a, b in splits if b for c in ALPHABET}
    inserts = {a + c + b for a, b in splits for c in ALPHABET}
    return (deletes | swaps | replaces | inserts) - {word}
