"""Danish for search: æ/ø/å folding, Snowball's Danish stemmer and compound splitting.

Meilisearch neither stems Danish nor splits compounds, so every document gets
a `terms` field of normalised words and compound parts, and every query is
normalised the same way before it is sent.
"""

from __future__ import annotations

import re
import threading
from functools import cache, lru_cache
from itertools import chain
from pathlib import Path

import Stemmer

HUNSPELL_DA = Path("/usr/share/hunspell/da_DK.dic")
DOMAIN_WORDS = Path(__file__).parent / "data" / "domain_words.txt"
MIN_PART = 3
LINKS = ("", "s", "e")  # Danish linking letters: bekymring-s-samtale, barn-e-...
_WORD = re.compile(r"[0-9a-zæøåäöüé]+(?:-[0-9a-zæøåäöüé]+)*")
# Signs that carry meaning in the domain, spelled out before words are split, alike in documents and queries:
# "SSP+" is not "SSP", "§ 115" and "paragraf 115" are the same section, "§§ 114 og 115" are two, "18–25" (en dash),
# "18-25-årige", "mellem 18 og 25 år" and "fra 18 til 25 år" are the range "18-25". Each comes with the strings any
# match contains: a text is scanned by a pattern only when one is in it (the dash pattern starts at a digit rather
# than a lookbehind, which makes it twice as fast).
_SIGNS = ((("+",), re.compile(r"(?<=[0-9a-zæøå])\+"), "plus"),
          (("§§",), re.compile(r"§§\s*(\d+)\s*(?:og|,|-|–)\s*(\d+)"), r"§ \1 § \2"),
          (("§", "paragraf"), re.compile(r"(?:§|\bparagraf)\s*(\d+)"), r" paragraf\1 \1 "),
          (("mellem", "fra"), re.compile(r"\b(?:mellem|fra)\s+(\d+)\s+(?:og|til)\s+(\d+)(?=\s*år)"), r"\1-\2"),
          (("-", "–", "‐"), re.compile(r"(\d)\s*[–‐-]\s*(?=\d)"), r"\1-"),
          (("-",), re.compile(r"(\d+-\d+)-(?=[a-zæøå])"), r"\1 "))
_RANGE = re.compile(r"\d+(?:-\d+)+")
# Distinct words whose terms are kept: a node's vocabulary is a few tens of thousands of word forms, and a
# document repeats most of its words from earlier ones, so nearly every word is stemmed and split only once.
WORD_CACHE = 65_536
_stemmers = threading.local()  # a PyStemmer stemmer keeps state while it works: one per thread
_FOLD = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", "ä": "ae", "ö": "oe", "ü": "u", "é": "e"})


def fold(word: str) -> str:
    """æ→ae, ø→oe, å→aa, so 'Århus' and 'Aarhus', 'børn' and 'boern' meet (applied after stemming)."""
    return word.lower().translate(_FOLD)


def stem(word: str) -> str:
    """Snowball's Danish stem of a lowercase word (forebyggende, forebyggelse → forebyg)."""
    stemmer = getattr(_stemmers, "danish", None)
    if stemmer is None:
        stemmer = _stemmers.danish = Stemmer.Stemmer("danish")
    return stemmer.stemWord(word)


@cache
def lexicon() -> frozenset[str]:
    """Danish base words: Debian's hunspell-da list when installed, plus the project's domain words."""
    words: set[str] = set()
    if HUNSPELL_DA.exists():
        for line in HUNSPELL_DA.read_text(encoding="utf-8").splitlines()[1:]:
            word = line.split("/", 1)[0].strip().lower()
            if len(word) >= MIN_PART and word.isalpha():
                words.add(word)
    for line in DOMAIN_WORDS.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            words.add(line.strip())
    return frozenset(words)


def is_word(word: str) -> bool:
    """Whether a lowercase word is Danish: in the lexicon as it is, by its stem, or by its stem and an e."""
    words = lexicon()
    return word in words or stem(word) in words or stem(word) + "e" in words


def _splits(word: str):
    """(head, tail) pairs with a dictionary head and a linking letter removed, longest head first."""
    for end in range(len(word) - MIN_PART, MIN_PART - 1, -1):
        head, rest = word[:end], word[end:]
        if head in lexicon():
            for link in LINKS:
                if rest.startswith(link) and len(rest) - len(link) >= MIN_PART:
                    yield head, rest[len(link):]


def split_compound(word: str) -> list[str]:
    """The parts of a Danish compound ('kriminalitetsforebyggende' → kriminalitet, forebyggende), or []."""
    splits = list(_splits(word))
    for head, tail in splits:  # best: the tail is a word (inflected or not)
        if is_word(tail):
            return [head, tail]
    for head, tail in splits:  # next: the tail is itself a compound of words
        parts = split_compound(tail)
        if parts:
            return [head, *parts]
    return []


def spell_out_signs(text: str) -> str:
    """The text in lower case with the domain's signs spelled out ('SSP+' → 'sspplus', '§ 115' → 'paragraf115 115')."""
    text = text.lower()
    for literals, pattern, replacement in _SIGNS:
        if any(literal in text for literal in literals):
            text = pattern.sub(replacement, text)
    return text


def words_of(text: str, halves: bool = True) -> list[str]:
    """Lowercase words of a text; hyphenated words also give their halves, number ranges ('18-25') only with halves."""
    found = []
    for token in _WORD.findall(spell_out_signs(text)):
        found.append(token.replace("-", ""))
        if "-" in token and (halves or not _RANGE.fullmatch(token)):
            found += [part for part in token.split("-") if part]
    return found


@lru_cache(maxsize=WORD_CACHE)
def word_terms(word: str) -> tuple[str, ...]:
    """The folded stems of a word and of its compound parts."""
    parts = [word, *split_compound(word)] if len(word) >= 2 * MIN_PART else [word]
    return tuple(dict.fromkeys(fold(stem(part)) for part in parts))


def search_terms(text: str) -> list[str]:
    """Folded stems of every word and of every compound part, without repeats (for documents)."""
    return list(dict.fromkeys(chain.from_iterable(map(word_terms, dict.fromkeys(words_of(text))))))


def query_terms(query: str) -> str:
    """A query normalised like the documents' terms (folded, stemmed), for Meilisearch."""
    # A range asked for is meant whole: "18-25" must not match every text with an 18 or a 25 in it.
    return " ".join(fold(stem(word)) for word in words_of(query, halves=False))
