"""The field's words for search: stop and question words left out of queries, and the synonym file.

The words are data files in search/data, so that the people who know the field can maintain them (docs/search.md):
`danish_stop_words.txt` (Snowball's list), `question_words.txt` and `synonyms.toml`.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from node.items.vocabulary import TARGET_GROUPS
from search.danish import fold, stem, words_of

DATA = Path(__file__).parent / "data"
STOP_WORDS_FILE = DATA / "danish_stop_words.txt"
QUESTION_WORDS_FILE = DATA / "question_words.txt"
SYNONYMS_FILE = DATA / "synonyms.toml"
_RANGE_IN_GROUP = re.compile(r"(\d+)-(\d+)")


def _words_in(path: Path) -> frozenset[str]:
    lines = (line.strip().lower() for line in path.read_text(encoding="utf-8").splitlines())
    return frozenset(line for line in lines if line and not line.startswith("#"))


@cache
def stop_words() -> frozenset[str]:
    """Snowball's Danish stop words (lower case, as typed)."""
    return _words_in(STOP_WORDS_FILE)


@cache
def question_words() -> frozenset[str]:
    """The words that make a query a question without saying what it is about."""
    return _words_in(QUESTION_WORDS_FILE)


def content_words(query: str) -> list[str]:
    """The query's words without stop and question words; all of them when nothing else would be left."""
    words = words_of(query, halves=False)
    left_out = stop_words() | question_words()
    return [word for word in words if word not in left_out] or words


def content_terms(query: str) -> str:
    """The query's content words normalised like the documents' terms (folded, stemmed), for Meilisearch."""
    return " ".join(fold(stem(word)) for word in content_words(query))


def index_stop_words() -> list[str]:
    """Meilisearch's stop words: Snowball's words as typed and as the documents' terms hold them."""
    return sorted(stop_words() | {fold(stem(word)) for word in stop_words()})


@dataclass(frozen=True)
class SynonymEntry:
    """One entry of the synonym file: `search` finds what each of `finds` finds (both ways for `same` entries)."""

    search: str
    finds: tuple[str, ...]


@cache
def synonym_entries() -> tuple[SynonymEntry, ...]:
    """The synonym file's entries."""
    return read_synonyms(SYNONYMS_FILE.read_text(encoding="utf-8"))


def read_synonyms(text: str) -> tuple[SynonymEntry, ...]:
    """Entries from a synonym file's text, each `same` group as one one-way entry per word; refuses a bad entry."""
    data = tomllib.loads(text)
    entries = []
    for number, group in enumerate(data.get("same", []), 1):
        words = group.get("words")
        if not isinstance(words, list) or len(words) < 2 or not all(isinstance(w, str) for w in words):
            raise ValueError(f"{SYNONYMS_FILE.name}: [[same]] entry {number}: words: needs two or more words")
        entries += [SynonymEntry(word, tuple(w for w in words if w != word)) for word in words]
    for number, entry in enumerate(data.get("one_way", []), 1):
        finds = entry.get("finds")
        if not isinstance(entry.get("search"), str) or not isinstance(finds, list) or not finds:
            raise ValueError(f"{SYNONYMS_FILE.name}: [[one_way]] entry {number}: needs search and finds")
        entries.append(SynonymEntry(entry["search"], tuple(finds)))
    return tuple(entries)


def range_entries() -> list[tuple[str, str]]:
    """(range, target group's range) in documents' terms, for every age range inside a target group's range.

    "15-17" asked for finds "13-17" (the group 'unge 13-17 år' holds it), not the reverse.
    """
    found = []
    for group in TARGET_GROUPS:
        if match := _RANGE_IN_GROUP.search(group):
            low, high = int(match[1]), int(match[2])
            found += [(f"{a}{b}", f"{low}{high}") for a in range(low, high + 1) for b in range(a + 1, high + 1)
                      if (a, b) != (low, high)]
    return found


def synonyms() -> dict[str, list[str]]:
    """Meilisearch's synonyms: the file's entries and the age ranges, normalised as queries are."""
    table: dict[str, list[str]] = {}
    pairs = [(entry.search, found) for entry in synonym_entries() for found in entry.finds]
    normalised = [(content_terms(s), form) for s, f in pairs for form in _found_forms(f)]
    for search, found in [*normalised, *range_entries()]:
        if search != found and found not in table.setdefault(search, []):
            table[search].append(found)
    return table


def _found_forms(words: str) -> list[str]:
    # Meilisearch looks for a name of several words as a phrase. In the documents' terms (stemmed, without
    # repeats, compound parts among them) its words are seldom next to each other, so it is also looked for as
    # written in the title, summary and body: its longest run of words without a stop word, because a phrase
    # synonym with a stop word in it finds nothing ("Nationalt Center for Forebyggelse af ..." → "nationalt center").
    forms = [content_terms(words)]
    if " " in forms[0]:
        runs, run = [], []
        for word in words_of(words, halves=False):
            run = [] if word in stop_words() else [*run, word]
            runs.append(run)
        longest = max(runs, key=len)
        if len(longest) > 1:
            forms.append(" ".join(longest))
    return forms
