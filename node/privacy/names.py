"""Person names: full names in any case, initials, nicknames, and a child's first name with an age or a school."""

from __future__ import annotations

import re
from functools import cache, lru_cache

from node.privacy.findings import Finding, free_before
from node.privacy.wordlists import COMMON_WORDS, first_names, place_names, surnames

_WORD = r"[^\W\d_]+(?:-[^\W\d_]+)?"
_LETTERS = re.compile(r"[^\W\d_]+")
_EDGES = ".,;:!?()[]{}»«\"'„“”‘’-–—…/*"
# Two or more words in a row: only such runs can hold a first name and a surname.
# The look-behind and the atomic groups only spare the engine starts inside a word and backtracking into a word,
# neither of which can end in a match: they make the scan cheaper, not different.
_RUN = re.compile(rf"(?<![^\W\d_])(?>{_WORD})(?: (?>{_WORD}))+")
# A word and the (up to) three after it in the same run: all a name begun at that word can span.
_AHEAD = re.compile(rf"(?>{_WORD})(?: (?>{_WORD})){{1,3}}")
_TITLE = r"[A-ZÆØÅ][a-zæøåéüö]+(?:-[A-ZÆØÅ][a-zæøåéüö]+)?"
_TITLE_TOKEN = re.compile(_TITLE)
_TITLE_PART = re.compile(r"[A-ZÆØÅ][a-zæøåéüö]+")
_INITIAL = r"[A-ZÆØÅ]\."
_ANY_INITIAL = re.compile(_INITIAL)
# An initial before a surname: "M. Hansen", "H.C. Andersen".
_INITIAL_SURNAME = re.compile(rf"{_INITIAL} ?({_TITLE})")
_COUNTS = "skoler|elever|klasser|dage|gange|timer|uger|måneder|anmeldelser|sager|episoder|personer|unge|kr"
# An age right after a first name (and perhaps an initial): "Mikkel (15)", "Sara, 14 år", "Sofie på 13",
# "Lucas 15 år", "Sara er 14 år"; a range ("på 14-16") or a count ("på 13 skoler") is no one's age.
_AGE_AFTER = re.compile(
    rf"(?: {_INITIAL})?(?:\s*\(\d{{1,2}}(?: år)?\)|, \d{{1,2}}(?: år(?!\w)|(?=[,.;)]|$))"
    rf"| er \d{{1,2}} år(?!\w)| på \d{{1,2}}(?: år)?(?!\d| ?[-–] ?\d| (?:{_COUNTS})\b)| \d{{1,2}} år(?!\w))")
# An age right before a first name: "den 14-årige Sara", "en 15 år gammel Emil".
_AGE_BEFORE = re.compile(rf"\b\d{{1,2}}(?:-årige?| år gamle?| år gammel) (?:(?:dreng|pige)(?:en)? )?({_TITLE})")
_SCHOOLS = "skole|skolen|gymnasium|gymnasiet|efterskole|efterskolen|friskole|friskolen|skolecenter"
# A class ("9.x", "7. a", "9. klasse") or a named school ("Rismølleskolen", "Vestre Skole"); a bare
# "skolen" names no school.
_SCHOOL = (rf"(?:\d{{1,2}}\. ?[a-zæøåA-ZÆØÅ](?!\w)|\d{{1,2}}\. klasse|[A-ZÆØÅ]\w+ (?i:{_SCHOOLS})"
           rf"|(?:[A-ZÆØÅ]\w+ )?[A-ZÆØÅ][\w-]*(?:{_SCHOOLS}))(?!\w)")
# A school or a class right after a first name: "Noah fra 9.x", "Emma, der går på Rismølleskolen".
_SCHOOL_AFTER = re.compile(
    rf"(?: {_INITIAL})?(?: \(\d{{1,2}}\))?,? (?:(?:som|der) )?(?:går )?(?:elev )?(?:fra|på|i) {_SCHOOL}")
_QUOTES = "»«\"'„“”‘’"
# A nickname after the words that introduce one: "kaldet »lille Ali«", "alias 'Tyrken'".
_NICKNAME_WORDS = ("kald", "alias", "kendt som", "under navnet")
_NICKNAME = re.compile(
    rf"(?i:\b(kaldet|kaldes|kaldenavnet|kaldenavn|alias|også kendt som|går under navnet))[: ]\s*"
    rf"(?:[{_QUOTES}]([^{_QUOTES}\n]{{1,40}})[{_QUOTES}]|((?:lille|store|gamle) {_TITLE}))")


def full_names(text: str) -> list[Finding]:
    """A known first name followed by a known surname in the same case, perhaps with middle names between."""
    names = first_names_in(text)
    if not names:
        return []
    starts = _name_starts(text, names)
    if starts is None:
        return _full_names_in_runs(text, names)
    found = []
    for start in starts:
        ahead = _AHEAD.match(text, start)
        words = ahead[0].split(" ") if ahead else []
        if words and (case := _case(words[0])) and _is_first_name(words[0], case):
            last = _surname_after(words, 0, case)
            if last is not None:
                found.append(Finding("name", start, start + len(" ".join(words[:last + 1]))))
    return found


def _name_starts(text: str, names: frozenset[str]) -> list[int] | None:
    """Where a word of `_RUN` begins with one of the first names, in order; None where that takes every run.

    Looking up the few first names a text holds is far cheaper than walking all its words. Both ways agree
    on where a word begins, except in a chain of three or more hyphenated parts ("a-b-c d", where the run
    begins at "b"), and where case folding changes the text's length; there the runs are walked instead.
    """
    folded = text.casefold()
    if len(folded) != len(text):
        return None
    starts = []
    for name in names:
        at = folded.find(name)
        while at != -1:
            end = at + len(name)
            if (at == 0 or not _is_letter(folded[at - 1])) and (end == len(folded) or not _is_letter(folded[end])):
                if at < 2 or folded[at - 1] != "-" or not _is_letter(folded[at - 2]):
                    starts.append(at)
                elif _hyphen_before(folded, at - 2):
                    return None  # the third part of a chain or more
                # else: the second half of a hyphenated word, which begins at the first half
            at = folded.find(name, at + 1)
    return sorted(starts)


def _is_letter(char: str) -> bool:
    return char.isalnum() and not char.isdecimal()  # what [^\W\d_] matches


def _hyphen_before(text: str, last_letter: int) -> bool:
    """Whether the run of letters ending at `last_letter` follows a hyphen that follows a letter."""
    at = last_letter
    while at > 0 and _is_letter(text[at - 1]):
        at -= 1
    return at >= 2 and text[at - 1] == "-" and _is_letter(text[at - 2])


def _full_names_in_runs(text: str, names: frozenset[str]) -> list[Finding]:
    found = []
    for run in _RUN.finditer(text):
        if names.isdisjoint(run[0].casefold().replace("-", " ").split()):
            continue  # no first name in this run of words, so no name begins in it
        words = run[0].split(" ")
        start = run.start()
        for i, word in enumerate(words[:-1]):  # a name needs a surname after it
            # Every part of a first name is a first name, so a word whose first part is none is skipped cheaply.
            if word.split("-", 1)[0].casefold() in names and (case := _case(word)) and _is_first_name(word, case):
                last = _surname_after(words, i, case)
                if last is not None:
                    found.append(Finding("name", start, start + len(" ".join(words[i:last + 1]))))
            start += len(word) + 1
    return found


@lru_cache(maxsize=4)
def first_names_in(text: str) -> frozenset[str]:
    """The first names (case-folded) among the text's lower-, title- or upper-case words and word parts.

    Every name detector starts from a first name, and most texts hold none or a few common words, so this
    one pass over the text spares the detectors a lookup per word. It finds every word the detectors could
    start from: whole words, the letter runs of words with signs inside ("SSP-konsulent", "(Sara)"), and
    the capitalised parts `_TITLE_TOKEN` finds even inside a word ("Zo" of "Zoë"). Kept for the last few
    texts, because one guard pass asks it of the same text from several detectors.
    """
    words = {word.strip(_EDGES) for word in set(text.split())}
    signed = [word for word in words if not word.isalpha()]
    words.difference_update(signed)
    for word in signed:
        words.update(_LETTERS.findall(word))
    words.update(_TITLE_PART.findall(text))
    return frozenset(word.casefold() for word in words & _cased_first_names())


@cache
def _cased_first_names() -> frozenset[str]:
    # Mixed-case words are never names to the detectors, so these three spellings of each name are enough.
    return frozenset(form for name in first_names() for form in (name, name.title(), name.upper()))


def _case(word: str) -> str | None:
    if all(part[:1].isupper() and part[1:].islower() for part in word.split("-")):
        return "title"
    if len(word) > 1 and word.isupper():
        return "upper"
    return "lower" if word.islower() else None


def _surname_after(words: list[str], i: int, case: str) -> int | None:
    """The index of the surname that ends the name begun at `i`, or None; up to two middle names between."""
    for j in range(i + 1, min(i + 4, len(words))):
        if _case(words[j]) != case:
            return None
        if _is_surname(words[j], case):
            return j
        # In capitalised prose any capitalised word may be a middle name; otherwise only a first name.
        if case != "title" and not _is_first_name(words[j], case):
            return None
    return None


def _is_first_name(token: str, case: str = "title") -> bool:
    parts = [part.casefold() for part in token.split("-")]
    return all(p in first_names() for p in parts) and not (case == "lower" and any(p in COMMON_WORDS for p in parts))


def _is_surname(token: str, case: str = "title") -> bool:
    # A double surname may join a first name ("Larsen-Møller", "Hansen-Mette"), but one part must be a surname.
    parts = [part.casefold() for part in token.split("-")]
    if case == "lower" and any(p in COMMON_WORDS for p in parts):
        return False
    return any(p in surnames() for p in parts) and all(p in surnames() or p in first_names() for p in parts)


def _starts_with(token: str, names: frozenset[str]) -> bool:
    return token.split("-", 1)[0].casefold() in names


def initials(text: str) -> list[Finding]:
    """A first name with the initial of a surname ("Mohammed A.") or an initial with a surname ("M. Hansen")."""
    if not _ANY_INITIAL.search(text):
        return []  # both kinds hold an initial, and most texts have none: one quick scan rules them out
    names = first_names_in(text)
    found = [Finding("name", m.start(), m.end() + 3) for m in _TITLE_TOKEN.finditer(text)
             if _starts_with(m[0], names) and re.match(rf" {_INITIAL}(?!\w)", text[m.end():m.end() + 4])
             and _is_first_name(m[0])
             and free_before(text, m.start(), "")]
    found += [Finding("name", m.start(), m.end()) for m in _INITIAL_SURNAME.finditer(text)
              if free_before(text, m.start(), "") and _is_surname(m[1])]
    return found


def named_with_age(text: str) -> list[Finding]:
    """A first name with an age right after or right before it."""
    names = first_names_in(text)
    found = [Finding("name", m.start(), m.end()) for m in _TITLE_TOKEN.finditer(text)
             if _starts_with(m[0], names) and free_before(text, m.start(), "") and _is_first_name(m[0])
             and _AGE_AFTER.match(text, m.end())]
    found += [Finding("name", m.start(), m.end()) for m in _AGE_BEFORE.finditer(text) if _is_first_name(m[1])]
    return found


def named_with_school(text: str) -> list[Finding]:
    """A first name with a school or a school class: with a small school, a child is known by it."""
    names = first_names_in(text)
    return [Finding("first_name_school", m.start(), school.end()) for m in _TITLE_TOKEN.finditer(text)
            if _starts_with(m[0], names) and free_before(text, m.start(), "") and _is_first_name(m[0])
            and (school := _SCHOOL_AFTER.match(text, m.end()))]


def nicknames(text: str) -> list[Finding]:
    """A nickname: after "kaldet" one that holds a first name (places are "kaldet" too), after "alias" any."""
    # A case-insensitive pattern is slow to rule out and these plain searches are not. The pattern also takes
    # a dotless "ı" and a dotted "İ" for "i", which case folding leaves as "ı" and as "i" with a dot above.
    folded = text.casefold().replace("ı", "i").replace("\u0307", "")
    if not any(word in folded for word in _NICKNAME_WORDS):
        return []
    found = []
    for m in _NICKNAME.finditer(text):
        words = re.findall(_WORD, m[2] or m[3])
        if m[1].casefold() not in ("kaldet", "kaldes") or any(w.casefold() in first_names() for w in words):
            found.append(Finding("nickname", m.start(), m.end()))
    return found


def inside_place(text: str, finding: Finding) -> bool:
    """True when the finding lies within a place named after a person ("Anne Frank Huset", "Kong Hans' Gade")."""
    tokens = [(m.start(), m.end()) for m in re.finditer(r"\S+", text)]
    first = next((i for i, (_, end) in enumerate(tokens) if end > finding.start), len(tokens) - 1)
    last = max((i for i, (start, _) in enumerate(tokens) if start < finding.end), default=first)
    for a in range(max(0, first - 3), first + 1):
        for b in range(last, min(len(tokens), last + 5)):
            phrase = text[tokens[a][0]:tokens[b][1]].strip(_QUOTES + "(),.;:!?")
            if phrase.casefold() in place_names():
                return True
    return False
