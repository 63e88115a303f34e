"""Finding personal data in free text: CPR numbers, phone numbers, e-mail, licence plates, addresses, names.

Pure functions. A finding says what kind of data was found and where, never
the value, so callers can refuse text without repeating it in a message or a
log. The detectors are tuned to stay quiet on what bulletins and practice
write-ups legitimately contain: years and periods, dates, clock times, ages
("13-15-årige"), counts, short service numbers (112, 114) and municipality codes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

DATA = Path(__file__).parent / "data" / "personal_data"
KIND_LABELS = {
    "cpr": "et CPR-nummer",
    "phone": "et telefonnummer",
    "email": "en e-mailadresse",
    "licence_plate": "en nummerplade",
    "address": "en adresse",
    "name": "et personnavn",
}

_CPR = re.compile(r"(?<![\d-])(\d{2})(\d{2})(\d{2})[-\u2010\u2013 ]?\d{4}(?![\d-])")
# Danish subscriber numbers start with 2-9 (0 and 1 begin service numbers such as 112 and 114).
_PHONE = re.compile(
    r"(?<![\w+(])(\(?(?:\+|00)45\)?[ -]?)?"
    r"([2-9]\d{7}|[2-9]\d(?: \d\d){3}|[2-9]\d(?:-\d\d){3}|[2-9]\d{3}[ -]\d{4}|[2-9]\d \d{3} \d{3})(?![\d-])"
)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PLATE = re.compile(r"(?<![\w-])[A-Z]{2} ?\d{2} ?\d{3}(?![\w-])")
_WORD = r"[A-ZÆØÅ][\w'.-]*"
# A capitalised run of up to four words, a house number with an optional letter, and what follows.
_STREET_NUMBER = re.compile(
    rf"((?:{_WORD}|\d+\.) ?(?:[\w'.-]+ ){{0,3}}?)(\d{{1,3}})(?!\d|[.,:]\d)(?: ?[A-Za-z](?!\w))?( \w+)?"
)
# Words after a number that make it a count, not a house number ("på Torvet 3 aftener").
_COUNT_WORDS = frozenset(
    "aftener dage gange timer uger måneder år årige unge børn personer drenge piger voksne kr procent "
    "minutter sager anmeldelser tilfælde episoder hændelser grupper".split()
)
_NAME_TOKEN = re.compile(r"[A-ZÆØÅ][a-zæøåéü]+(?:-[A-ZÆØÅ][a-zæøåéü]+)?")
# An age right after a first name: "Mikkel (15)", "Sara, 14 år".
_AGE_AFTER = re.compile(r"\s*(?:\(\d{1,2}(?: år)?\)|, \d{1,2} år)")


@dataclass(frozen=True)
class Finding:
    """One piece of personal data: its kind (a key of KIND_LABELS) and its span in the scanned text."""

    kind: str
    start: int
    end: int


def find_personal_data(text: str, strict: bool = False) -> list[Finding]:
    """All personal data in `text`, in order; `strict` (bulletins) also flags a lone first name with an age."""
    findings = [*_cpr_numbers(text), *_phone_numbers(text), *_matches(_EMAIL, text, "email"),
                *_matches(_PLATE, text, "licence_plate"), *_addresses(text), *_full_names(text)]
    if strict:
        findings += _named_with_age(text)
    return sorted(set(findings), key=lambda f: (f.start, f.kind))


def _matches(pattern: re.Pattern, text: str, kind: str) -> list[Finding]:
    return [Finding(kind, m.start(), m.end()) for m in pattern.finditer(text)]


def _valid_date(day: int, month: int, year: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def _cpr_numbers(text: str) -> list[Finding]:
    # The modulus-11 check was dropped in 2007, so any valid birth date with four digits counts.
    # Only whether the year is a leap year matters: 2000 stands for every year divisible by four.
    return [Finding("cpr", m.start(), m.end()) for m in _CPR.finditer(text)
            if _valid_date(int(m[1]), int(m[2]), 2000 if int(m[3]) % 4 == 0 else 2001)]


def _phone_numbers(text: str) -> list[Finding]:
    found = []
    for m in _PHONE.finditer(text):
        number = m[2]
        digits = re.sub(r"\D", "", number)
        if re.fullmatch(r"\d{4}[ -]\d{4}", number) and all(1900 <= int(y) <= 2099 for y in (digits[:4], digits[4:])):
            continue  # a period of years: "2023-2024"
        if len(number) == 8 and _valid_date(int(digits[:2]), int(digits[2:4]), int(digits[4:])) and \
                1900 <= int(digits[4:]) <= 2099:
            continue  # a date written as DDMMYYYY
        if re.fullmatch(r"\d\d \d{3} \d{3}", number) and not m[1]:
            continue  # "25 000 000" is an amount; grouped 2-3-3 only counts after +45
        found.append(Finding("phone", m.start(), m.end()))
    return found


def _addresses(text: str) -> list[Finding]:
    found = []
    for m in _STREET_NUMBER.finditer(text):
        if m[3] and m[3].strip().lower() in _COUNT_WORDS:
            continue
        words = m[1].split()
        # The street name is the words just before the number; try the longest run first.
        for first in range(len(words)):
            if " ".join(words[first:]).casefold() in street_names() and words[first][0].isupper():
                found.append(Finding("address", m.start(1) + m[1].index(words[first]), m.end(2)))
                break
    return found


def _full_names(text: str) -> list[Finding]:
    """A known first name followed by a known surname, optionally with middle names between them."""
    tokens = list(_NAME_TOKEN.finditer(text))
    found = []
    for i, token in enumerate(tokens):
        if not _is_first_name(token[0]):
            continue
        j = i + 1
        while j < len(tokens) and _adjacent(text, tokens[j - 1], tokens[j]) and j - i <= 3:
            if _is_surname(tokens[j][0]):
                found.append(Finding("name", token.start(), tokens[j].end()))
                break
            j += 1
    return found


def _adjacent(text: str, left: re.Match, right: re.Match) -> bool:
    return text[left.end():right.start()] == " "


def _named_with_age(text: str) -> list[Finding]:
    return [Finding("name", m.start(), m.end()) for m in _NAME_TOKEN.finditer(text)
            if _is_first_name(m[0]) and _AGE_AFTER.match(text, m.end())]


def _is_first_name(token: str) -> bool:
    return all(part.casefold() in first_names() for part in token.split("-"))


def _is_surname(token: str) -> bool:
    return all(part.casefold() in surnames() or part.casefold() in first_names() for part in token.split("-")) \
        and any(part.casefold() in surnames() for part in token.split("-"))


def _word_list(name: str) -> frozenset[str]:
    return frozenset(line.strip().casefold() for line in (DATA / name).read_text(encoding="utf-8").splitlines()
                     if line.strip())


@cache
def first_names() -> frozenset[str]:
    """The 5,000 most frequent Danish first names of women and of men (Danmarks Statistik, 2014)."""
    return _word_list("first_names_women.txt") | _word_list("first_names_men.txt")


@cache
def surnames() -> frozenset[str]:
    """Danish surnames (Danmarks Statistik, 2014)."""
    return _word_list("surnames.txt")


@cache
def street_names() -> frozenset[str]:
    """Danish street names."""
    return _word_list("street_names.txt")
